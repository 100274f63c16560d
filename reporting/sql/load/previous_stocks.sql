-- grain: one row per closing stock of the unit's current return ending on $period_end.
select
    s.period,
    v.metric,
    v.value
from current_submissions as s
join submission_values as v using (submission_id)
where s.unit_code = $unit_code
  and s.period_end = $period_end
  and v.unit_code = $unit_code
  and v.metric in ('members_closing', 'probationary_closing')
order by v.metric
