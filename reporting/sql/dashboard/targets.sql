-- grain: one row per unit in $groups, in the $history view: its admission target for $year, its own if the board set one, else the sum of the nearest targets set
-- below it (a target below another target is already inside it). On today's units the targets of
-- the units that merged into it count too (times their shares). The maintained target_totals
-- holds every unit's (sql/load/target_totals.sql); a unit without one gets null.
with groups as (
    select distinct unnest($groups) as group_code
)

select g.group_code, t.admission_target
from groups as g
left join target_totals as t on t.history = $history and t.year = $year and t.group_code = g.group_code
