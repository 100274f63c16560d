-- grain: one row per closing stock of each unit's current return ending on $period_end
-- (what the next return's opening stock must equal); read once per batch and date.
select
    s.unit_code,
    s.period,
    v.metric,
    v.value
from current_submissions as s
join submission_values as v using (submission_id)
where s.period_end = $period_end
  and v.unit_code = s.unit_code
  and v.metric in ('members_closing', 'probationary_closing')
order by s.unit_code, v.metric
