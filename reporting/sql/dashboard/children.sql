-- grain: one row per child of $unit active at some point in [$start, $end], in code order.
select code, name, org_type
from units
where parent_code = $unit
  and (active_from is null or active_from <= $end)
  and (active_to is null or active_to >= $start)
order by code
