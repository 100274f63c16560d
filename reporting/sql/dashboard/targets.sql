-- grain: one row per unit in $groups: its admission target for $year in the $history view, as the
-- maintained target_totals holds it (sql/load/target_totals.sql says how it is counted); null for
-- a unit without one.
with groups as (
    select distinct unnest($groups) as group_code
)

select g.group_code, t.admission_target
from groups as g
left join target_totals as t on t.history = $history and t.year = $year and t.group_code = g.group_code
