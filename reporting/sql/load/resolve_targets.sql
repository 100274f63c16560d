-- grain: one update per percent-based target whose opening membership is known.
-- A percent target applies to the members at the start of the year: the
-- opening stock of the January return(s), or failing that the closing stock of
-- the previous December; for a unit above the communes, the sum over the
-- reporting units in its subtree; for a unit formed by a merger, the members its predecessors
-- had (through the lineage, times their shares). Rounded up: "at least 7%" means at least.
with opening_stock as (
    select unit_code, year(period_start) as year, 1 as preference, value
    from observations
    where metric = 'members_opening' and month(period_start) = 1 and day(period_start) = 1
    union all
    select unit_code, year(period_end) + 1 as year, 2 as preference, value
    from observations
    where metric = 'members_closing' and month(period_end) = 12 and day(period_end) = 31
),

best_per_unit as (
    select unit_code, year, arg_min(value, preference) as value
    from opening_stock
    group by unit_code, year
),

per_target as (
    select t.unit_code, t.year, cast(round(sum(b.value * c.share)) as bigint) as opening
    from targets as t
    join unit_map as c on c.history = 'today' and c.ancestor_code = t.unit_code
    join best_per_unit as b on b.unit_code = c.unit_code and b.year = t.year
    where t.basis = 'percent'
    group by t.unit_code, t.year
)

update targets
set admission_target = cast(ceil(targets.basis_value * p.opening / 100 - 1e-9) as integer),
    opening_members = p.opening
from per_target as p
where targets.unit_code = p.unit_code
  and targets.year = p.year
  and targets.basis = 'percent'
