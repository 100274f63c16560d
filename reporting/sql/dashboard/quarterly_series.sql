-- grain: one row per quarter from $from_year through $until and metric, for $unit's whole subtree:
-- flows summed within the quarter (monthly returns roll up), stocks as at the quarter's last return.
-- Quarters not ended by $until are left out: a part-quarter would look like a collapse.
with subtree as (
    select unit_code from unit_closure where ancestor_code = $unit
),

obs as (
    select
        o.unit_code,
        o.metric,
        o.value,
        o.period_start,
        o.period_end,
        m.aggregate,
        year(o.period_start) as year,
        quarter(o.period_start) as quarter
    from observations as o
    join subtree using (unit_code)
    join metrics as m on m.code = o.metric
    where year(o.period_start) >= $from_year
      and last_day(make_date(year(o.period_start), quarter(o.period_start) * 3, 1)) <= $until
      and o.metric in (select unnest($metrics))
),

per_unit as (
    select year, quarter, unit_code, metric, any_value(aggregate) as aggregate,
        unit_parts(value, period_start, period_end) as parts
    from obs
    group by year, quarter, unit_code, metric
),

final as (
    select year, quarter, metric, combine_units(aggregate, parts) as value
    from per_unit
    group by year, quarter, metric
)

select * from final
order by year, quarter, metric
