-- grain: one row per year with at least one received return, latest first.
select distinct year(period_start) as year
from submissions
where period_start is not null
order by year desc
