-- grain: one row per group in $groups and stock metric (members_opening, members_closing,
-- probationary_opening, probationary_closing) over [$start, $end] in the $history view: how many of
-- the reporting units that owe the figure gave it, the as-reported sum (equal to metric_totals'),
-- and what the units that did not give it last reported before the span (their closing, carried
-- forward: the estimate's part for them).
--
-- A unit owes an opening stock when it existed on $start and a closing stock when it exists on
-- $end (the same rule metric_totals.sql applies through combine_parts, so that across a merger the
-- old communes owe the opening and the new one the closing). A unit that owes the figure and sent
-- no return carrying it within the span is carried forward with the closing of its last return
-- before $start, times its share; one with no earlier return is counted as neither reported nor
-- carried (the estimate then says so).
with groups as (
    select distinct unnest($groups) as group_code
),

stocks as (
    select * from (values
        ('members_opening', 'members_closing', true),
        ('members_closing', 'members_closing', false),
        ('probationary_opening', 'probationary_closing', true),
        ('probationary_closing', 'probationary_closing', false)
    ) as t(metric, carried_from, opening)
),

owing as (
    select g.group_code, m.unit_code, m.share, s.metric, s.carried_from, s.opening
    from groups as g
    join unit_map as m on m.history = $history and m.ancestor_code = g.group_code and m.sends
    cross join stocks as s
    where active_on(m.active_from, m.active_to, case when s.opening then $start else $end end)
),

senders as (
    select distinct unit_code from owing
),

-- each owing unit's stock within the span: its first return's opening, its last return's closing
in_span as (
    select f.unit_code, f.metric,
        case when f.metric like '%_opening' then arg_min(f.value, f.period_start)
             else arg_max(f.value, f.period_end) end as value
    from current_figures as f
    semi join senders using (unit_code)
    where f.period_start >= $start and f.period_end <= $end
      and f.metric in ('members_opening', 'members_closing', 'probationary_opening', 'probationary_closing')
    group by f.unit_code, f.metric
),

-- each owing unit's last closing before the span
before_span as (
    select f.unit_code, f.metric as carried_from, arg_max(f.value, f.period_end) as value,
        max(f.period_end) as as_of
    from current_figures as f
    semi join senders using (unit_code)
    where f.period_end < $start and f.metric in ('members_closing', 'probationary_closing')
    group by f.unit_code, f.metric
),

final as (
    select
        o.group_code,
        o.metric,
        count(*) as units_due,
        count(r.value) as units_reported,
        sum(r.value * o.share) as reported,
        count(b.value) filter (where r.value is null) as units_carried,
        sum(b.value * o.share) filter (where r.value is null) as carried,
        max(b.as_of) filter (where r.value is null) as carried_as_of
    from owing as o
    left join in_span as r on r.unit_code = o.unit_code and r.metric = o.metric
    left join before_span as b on b.unit_code = o.unit_code and b.carried_from = o.carried_from
    group by o.group_code, o.metric
)

select * from final
order by group_code, metric
