-- grain: one row per child of $unit (or $unit itself when not $by_child): its admission target for
-- $year, its own if the board set one, else the sum of the targets set below it.
with groups as (
    select code as group_code from units where $by_child and parent_code = $unit
    union all
    select $unit where not $by_child
),

own as (
    select unit_code, admission_target from targets where year = $year
),

below as (
    select g.group_code, cast(sum(t.admission_target) as bigint) as target
    from groups as g
    join unit_closure as cl on cl.ancestor_code = g.group_code and cl.depth > 0
    join own as t on t.unit_code = cl.unit_code
    group by g.group_code
),

final as (
    select g.group_code, cast(coalesce(o.admission_target, b.target) as bigint) as admission_target
    from groups as g
    left join own as o on o.unit_code = g.group_code
    left join below as b using (group_code)
)

select * from final
