-- grain: one row per unit-level flow each unit reported in quarterly returns for quarter $quarter
-- of years before $year (the seasonal history a figure is compared with); read once per batch from
-- the roll-up of current returns.
select f.unit_code, f.metric, year(f.period_start) as year, f.value
from current_figures as f
join submissions as s using (submission_id)
join metrics as m on m.code = f.metric
where m.level = 'unit'
  and s.period_kind = 'quarter'
  and quarter(f.period_start) = $quarter
  and f.period_start < make_date($year, 1, 1)
order by f.unit_code, f.metric, year
