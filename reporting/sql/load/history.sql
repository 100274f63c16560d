-- grain: one row per unit-level flow each unit reported in quarterly returns for quarter $quarter
-- of years before $year (the seasonal history a figure is compared with); read once per batch.
select s.unit_code, o.metric, year(o.period_start) as year, o.value
from observations as o
join submissions as s using (submission_id)
where o.unit_code = s.unit_code
  and s.period_kind = 'quarter'
  and quarter(o.period_start) = $quarter
  and year(o.period_start) < $year
order by s.unit_code, o.metric, year
