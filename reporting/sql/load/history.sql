-- grain: one row per unit-level flow the unit reported in quarterly returns for the same quarter
-- of earlier years (the seasonal history a figure is compared with).
select o.metric, year(o.period_start) as year, o.value
from observations as o
join submissions as s using (submission_id)
where s.unit_code = $unit_code
  and o.unit_code = $unit_code
  and s.period_kind = 'quarter'
  and quarter(o.period_start) = $quarter
  and year(o.period_start) < $year
order by o.metric, year
