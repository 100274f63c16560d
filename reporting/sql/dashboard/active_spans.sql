-- grain: one row per unit in $groups and unit whose days of activity count as its own in the
-- $history view: itself, and on today's units the closed units mapped straight into it (its
-- predecessors, depth 0), each with its own active dates (unit_map's copies of the registry's).
-- The lagging rule expects admissions pro rata to the days on which one of them was active
-- (reporting/lagging.py: a commune closed on 30 June is judged on its half year).
with groups as (
    select distinct unnest($groups) as group_code
)

select m.ancestor_code as group_code, m.unit_code, m.active_from, m.active_to
from groups as g
join unit_map as m on m.history = $history and m.ancestor_code = g.group_code and m.depth = 0
order by group_code, m.unit_code
