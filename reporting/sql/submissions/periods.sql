-- grain: one row per quarter that has at least one received version (months roll into their quarter), latest first.
select distinct
    cast(year(period_start) as varchar) || '-Q' || cast(quarter(period_start) as varchar) as period,
    year(period_start) as year,
    quarter(period_start) as quarter
from submissions
where period_start is not null
order by year desc, quarter desc
