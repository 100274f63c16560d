-- grain: one row for $unit: whether it is itself a reporting unit, and whether any reporting unit
-- lies in its subtree (then its figures can be read from the roll-up of returns, current_figures).
select
    coalesce(bool_or(m.depth = 0), false) as reports,
    coalesce(bool_or(true), false) as returns_below_or_self
from unit_map as m
join units as u on u.code = m.unit_code
where m.history = 'reported'
  and m.ancestor_code = $unit
  and u.org_type in (select unnest($reporting_types))
