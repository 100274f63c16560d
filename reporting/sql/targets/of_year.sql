-- grain: one row per unit with a resolved admission target for $year (as the board set it, not rolled up).
select unit_code, admission_target
from targets
where year = $year
  and admission_target is not null
