-- grain: one row per branch in $codes and branch metric over [$start, $end]: flows summed,
-- members as at the last return, attendance averaged.
with obs as (
    select o.unit_code, o.metric, o.value, o.period_start, o.period_end, m.aggregate
    from observations as o
    join metrics as m on m.code = o.metric
    where o.unit_code in (select unnest($codes))
      and o.period_start >= $start
      and o.period_end <= $end
)

select
    unit_code,
    metric,
    cast(case any_value(aggregate)
        when 'sum' then sum(value)
        when 'first' then arg_min(value, period_start)
        when 'last' then arg_max(value, period_end)
        else avg(value)
    end as double) as value
from obs
group by unit_code, metric
order by unit_code, metric
