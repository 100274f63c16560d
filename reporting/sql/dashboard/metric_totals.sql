-- grain: one row per group in $groups and metric over [$start, $end], in the $history view. A group
-- is a unit's whole subtree (a unit, each of its children, or each branch of a commune); on today's
-- units a subtree also holds every closed unit whose figures passed into it (times its share). With
-- $rollup the figures come from the roll-up of current returns (current_figures: one row per return
-- and metric, branch rows summed), for groups that hold reporting units; without it from every row
-- of `observations`, for groups below a commune (branches). A false $rollup skips the other scan.
-- How figures add up over returns and units: views.sql (stock_key, span_parts, combine_parts).
with groups as (
    select distinct unnest($groups) as group_code
),

scope as (
    select g.group_code, m.unit_code, m.share,
        active_on(m.active_from, m.active_to, $start) as opens,
        active_on(m.active_from, m.active_to, $end) as closes
    from groups as g
    join unit_map as m on m.history = $history and m.ancestor_code = g.group_code and (m.sends or not $rollup)
),

source as (
    select unit_code, period_start, period_end, metric, value, n from current_figures where $rollup
    union all
    select unit_code, period_start, period_end, metric, value, 1 as n from observations where not $rollup
),

in_span as (
    select s.group_code, s.unit_code, s.share, s.opens, s.closes, f.metric, m.aggregate, f.value, f.n,
        f.period_start, f.period_end
    from source as f
    join scope as s using (unit_code)
    join metrics as m on m.code = f.metric
    where f.period_start >= $start and f.period_end <= $end
),

parts as (
    select group_code, metric, any_value(aggregate) as aggregate, any_value(opens) as opens,
        any_value(closes) as closes, span_parts(value, n, share, period_start, period_end) as parts
    from in_span
    group by group_code, metric, stock_key(aggregate, unit_code)
),

final as (
    select group_code, metric, combine_parts(aggregate, parts, opens, closes) as value
    from parts
    group by group_code, metric
)

select * from final
where value is not null
order by group_code, metric
