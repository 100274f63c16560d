-- grain: one row per child of $unit in the $history view, in code order. On today's units: the
-- children in today's tree active on $today; as reported: the registry's children active on some
-- day of [$start, $end].
select u.code, u.name, u.org_type
from unit_map as m
join units as u on u.code = m.unit_code
where m.history = $history
  and m.ancestor_code = $unit
  and m.depth = 1
  and not m.mapped
  and case
      when $history = 'today' then active_on(u.active_from, u.active_to, $today)
      else (u.active_from is null or u.active_from <= $end) and (u.active_to is null or u.active_to >= $start)
  end
order by u.code
