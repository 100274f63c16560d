-- grain: one row per earlier return of the unit in the year: the sum of the given flows.
select
    cast(period_start as varchar) as period_start,
    cast(sum(value) as double) as total
from observations
where unit_code = $unit_code
  and metric in (select unnest($metrics))
  and period_start >= make_date($year, 1, 1)  -- a range: year(period_start) = $year is 5x slower
  and period_start < make_date($year + 1, 1, 1)
  and period_end < $start
group by period_start
