-- grain: one row per reporting unit, calendar quarter and metric of the roll-up of current returns,
-- for every quarter when $all, else for each unit in $units and quarter (its first day) in $quarters:
-- the parts span_parts (views.sql) would take from the unit's returns in that quarter, before the
-- unit's share. Stored in metric order, so that a series of a few metrics reads a few row groups.
with figures as (
    select *, cast(date_trunc('quarter', period_start) as date) as quarter_start
    from current_figures
)

select
    unit_code,
    quarter_start,
    cast(last_day(quarter_start + interval 2 month) as date) as quarter_end,
    metric,
    sum(value) as total,
    cast(sum(n) as double) as n,
    arg_min(value, period_start) as first,
    arg_max(value, period_end) as last
from figures
where $all or (list_contains($units, unit_code) and list_contains($quarters, quarter_start))
group by unit_code, quarter_start, metric
order by metric, quarter_start, unit_code
