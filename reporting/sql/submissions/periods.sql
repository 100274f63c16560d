-- grain: one row per period code that has at least one received version, latest first.
select distinct period, period_start, period_end, period_kind
from submissions
where period is not null and period_start is not null
order by period_end desc, period
