-- grain: one row per group in $groups and metric over [$start, $end], in the $history view. A group
-- is a unit's whole subtree (a unit, each of its children, or each branch of a commune); on today's
-- units a subtree also holds every closed unit whose figures passed into it (times its share). With
-- $rollup the figures come from the roll-up of current returns (current_figures: one row per return
-- and metric, branch rows summed), for groups that hold reporting units; without it from every row
-- of `observations`, for groups below a commune (branches). A false $rollup skips the other scan.
-- Flows add up; opening stocks come from each unit's first return in the span, other stocks and
-- ratings from its last, summed over the units that existed at the span's start (openings) or end
-- (the rest); percents are averaged over branch-periods.
with groups as (
    select distinct unnest($groups) as group_code
),

scope as (
    select g.group_code, m.unit_code, m.share
    from groups as g
    join unit_map as m on m.history = $history and m.ancestor_code = g.group_code and (m.sends or not $rollup)
),

source as (
    select unit_code, period_start, period_end, metric, value, n from current_figures where $rollup
    union all
    select unit_code, period_start, period_end, metric, value, 1 as n from observations where not $rollup
),

in_span as (
    select s.group_code, s.share, f.unit_code, f.metric, f.value, f.n, f.period_start, f.period_end
    from source as f
    join scope as s using (unit_code)
    where f.period_start >= $start and f.period_end <= $end
),

per_unit as (
    select group_code, unit_code, metric, any_value(share) as share,
        return_parts(value, n, period_start, period_end) as parts
    from in_span
    group by group_code, unit_code, metric
),

final as (
    select
        p.group_code,
        p.metric,
        combine_units(
            m.aggregate, p.parts, p.share,
            active_on(u.active_from, u.active_to, $start), active_on(u.active_from, u.active_to, $end)
        ) as value
    from per_unit as p
    join metrics as m on m.code = p.metric
    join units as u on u.code = p.unit_code
    group by p.group_code, p.metric
)

select * from final
where value is not null
order by group_code, metric
