-- grain: one row per earlier return of the unit in the year: the sum of the given flows.
select
    cast(period_start as varchar) as period_start,
    cast(sum(value) as double) as total
from observations
where unit_code = $unit_code
  and metric in (select unnest($metrics))
  and year(period_start) = $year
  and period_end < $start
group by period_start
