-- grain: one row per closing stock of each unit's current return ending on $period_end
-- (what the next return's opening stock must equal); read once per batch and date from the
-- roll-up of current returns.
select f.unit_code, s.period, f.metric, f.value
from current_figures as f
join submissions as s using (submission_id)
where f.period_end = $period_end
  and f.metric in ('members_closing', 'probationary_closing')
order by f.unit_code, f.metric
