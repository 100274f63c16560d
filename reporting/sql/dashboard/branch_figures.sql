-- grain: one row per branch in $codes and branch metric over [$start, $end]: flows summed,
-- members as at the last return, attendance averaged.
with obs as (
    select o.unit_code, o.metric, o.value, o.period_start, o.period_end, m.aggregate
    from observations as o
    join metrics as m on m.code = o.metric
    where o.unit_code in (select unnest($codes))
      and o.period_start >= $start
      and o.period_end <= $end
),

per_branch as (
    select unit_code, metric, any_value(aggregate) as aggregate, unit_parts(value, period_start, period_end) as parts
    from obs
    group by unit_code, metric
)

select unit_code, metric, combine_units(aggregate, parts) as value
from per_branch
group by unit_code, metric
order by unit_code, metric
