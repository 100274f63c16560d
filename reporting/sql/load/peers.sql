-- grain: one row per reporting unit with a current return for exactly $period and flow metric:
-- the value per 100 members at the period's end (peers are compared by rate, not count).
-- Read once per batch and period; the unit being checked is left out by the caller.
with closing as (
    select o.submission_id, o.value as members
    from observations as o
    join submissions as s using (submission_id)
    where s.period = $period and o.metric = 'members_closing' and o.unit_code = s.unit_code
)

select s.unit_code, o.metric, 100 * o.value / c.members as per_100, c.members
from observations as o
join submissions as s using (submission_id)
join closing as c using (submission_id)
where s.period = $period
  and o.unit_code = s.unit_code
  and c.members > 0
