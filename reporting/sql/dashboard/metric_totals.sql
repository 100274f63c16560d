-- grain: one row per group and metric over [$start, $end]. A group is each child of $unit
-- (its whole subtree) when $by_child, else $unit's whole subtree. Flows add up; opening stocks
-- come from each reporting unit's first return in the span, other stocks and ratings from its
-- last, summed over the units; percents are averaged over branch-periods.
with scope as (
    select cl.unit_code, ch.code as group_code
    from units as ch
    join unit_closure as cl on cl.ancestor_code = ch.code
    where $by_child and ch.parent_code = $unit
    union all
    select unit_code, $unit as group_code
    from unit_closure
    where not $by_child and ancestor_code = $unit
),

in_span as (
    select s.group_code, o.unit_code, o.metric, o.value, o.period_start, o.period_end, m.aggregate
    from observations as o
    join scope as s using (unit_code)
    join metrics as m on m.code = o.metric
    where o.period_start >= $start and o.period_end <= $end
),

per_unit as (
    select group_code, unit_code, metric, any_value(aggregate) as aggregate,
        unit_parts(value, period_start, period_end) as parts
    from in_span
    group by group_code, unit_code, metric
),

final as (
    select group_code, metric, combine_units(aggregate, parts) as value
    from per_unit
    group by group_code, metric
)

select * from final
order by group_code, metric
