-- grain: one row per group in $groups and stock metric (members_opening, members_closing,
-- probationary_opening, probationary_closing) over [$start, $end] in the $history view: how many of
-- the reporting units that owe the figure gave it, their sum, and what the units that did not give
-- it last reported (their latest closing, carried forward: the estimate's part for them).
--
-- A unit owes an opening stock when it existed on $start and a closing stock when it exists on
-- $end (the same rule metric_totals.sql applies through combine_parts, so that across a merger the
-- old communes owe the opening and the new one the closing). It gave the opening only in a return
-- that starts on $start, and the closing only in a return that ends on or after $as_of, the span's
-- effective closing date (its end, or the end of the last quarter ended by today when that is
-- earlier; dashboard.closing_date): a unit that sent the first two quarters of a nine-month span has
-- not given its closing on 30/09, though metric_totals' as-reported sum holds its closing of 30/06.
-- (Before any quarter of the span has ended, $as_of falls before $start and any return in the span
-- gives the closing.) A unit that did not give the figure is carried with its latest closing before
-- $start (an opening) or before $as_of (a closing: from inside the span or before it), times its
-- share; one with no closing of its own by then (a commune formed at a merger whose first return is
-- missing) with the sum over its predecessors in unit_lineage of their latest closing times the share
-- that passed to it; one with neither is counted as neither reported nor carried (the estimate then
-- says so).
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

-- each owing unit's stock within the span: its first return's opening, and whether that return
-- starts on $start; its last return's closing, and whether that return ends on or after $as_of
in_span as (
    select f.unit_code, f.metric,
        case when f.metric like '%_opening' then arg_min(f.value, f.period_start)
             else arg_max(f.value, f.period_end) end as value,
        case when f.metric like '%_opening' then min(f.period_start) = $start
             else max(f.period_end) >= $as_of end as given
    from current_figures as f
    semi join senders using (unit_code)
    where f.period_start >= $start and f.period_end <= $end
      and f.metric in ('members_opening', 'members_closing', 'probationary_opening', 'probationary_closing')
    group by f.unit_code, f.metric
),

-- whose closings an owing unit can be carried with: its own, else its predecessors' (times the
-- share that passed to it)
sources as (
    select unit_code, unit_code as source_code, 1.0 as share, true as own
    from senders
    union all
    select l.successor_code, l.predecessor_code, l.share, false
    from unit_lineage as l
    semi join senders as s on s.unit_code = l.successor_code
),

-- each source's latest closing before $start (carried into an opening) and before the span's
-- effective closing date (into a closing)
earlier as (
    select f.unit_code as source_code, f.metric as carried_from,
        arg_max(f.value, f.period_end) filter (where f.period_end < $start) as opening_value,
        max(f.period_end) filter (where f.period_end < $start) as opening_as_of,
        arg_max(f.value, f.period_end) as closing_value,
        max(f.period_end) as closing_as_of
    from current_figures as f
    semi join (select distinct source_code from sources) as s on s.source_code = f.unit_code
    where f.period_end < greatest($as_of, $start) and f.metric in ('members_closing', 'probationary_closing')
    group by f.unit_code, f.metric
),

-- per owing unit: its own latest closing, else the sum over its predecessors
carry as (
    select s.unit_code, e.carried_from,
        coalesce(
            any_value(e.opening_value) filter (where s.own),
            sum(e.opening_value * s.share) filter (where not s.own)
        ) as opening_value,
        coalesce(
            any_value(e.opening_as_of) filter (where s.own),
            max(e.opening_as_of) filter (where not s.own)
        ) as opening_as_of,
        coalesce(
            any_value(e.closing_value) filter (where s.own),
            sum(e.closing_value * s.share) filter (where not s.own)
        ) as closing_value,
        coalesce(
            any_value(e.closing_as_of) filter (where s.own),
            max(e.closing_as_of) filter (where not s.own)
        ) as closing_as_of
    from sources as s
    join earlier as e using (source_code)
    group by s.unit_code, e.carried_from
),

joined as (
    select o.group_code, o.metric, o.share, coalesce(r.given, false) as given, r.value,
        case when o.opening then c.opening_value else c.closing_value end as carried_value,
        case when o.opening then c.opening_as_of else c.closing_as_of end as carried_as_of
    from owing as o
    left join in_span as r on r.unit_code = o.unit_code and r.metric = o.metric
    left join carry as c on c.unit_code = o.unit_code and c.carried_from = o.carried_from
),

final as (
    select
        group_code,
        metric,
        count(*) as units_due,
        count(*) filter (where given) as units_reported,
        sum(value * share) filter (where given) as reported,
        count(carried_value) filter (where not given) as units_carried,
        sum(carried_value * share) filter (where not given) as carried,
        max(carried_as_of) filter (where not given and carried_value is not null) as carried_as_of
    from joined
    group by group_code, metric
)

select * from final
order by group_code, metric
