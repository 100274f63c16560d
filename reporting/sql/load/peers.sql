-- grain: one row per reporting unit with a current return for exactly [$start, $end] and unit-level
-- metric: the value per 100 members at the period's end (peers are compared by rate, not count).
-- Read once per batch and period from the roll-up of current returns; the unit being checked is
-- left out by the caller.
with closing as (
    select submission_id, value as members
    from current_figures
    where period_start = $start and period_end = $end and metric = 'members_closing'
)

select f.unit_code, f.metric, 100 * f.value / c.members as per_100, c.members
from current_figures as f
join closing as c using (submission_id)
join metrics as m on m.code = f.metric
where f.period_start = $start
  and f.period_end = $end
  and m.level = 'unit'
  and c.members > 0
