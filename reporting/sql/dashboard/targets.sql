-- grain: one row per unit in $groups, in the $history view: its admission target for $year, its own if the board set one, else the sum of the nearest targets set
-- below it (a target below another target is already inside it). On today's units the targets of
-- the units that merged into it count too (times their shares).
with groups as (
    select distinct unnest($groups) as group_code
),

own as (
    select unit_code, admission_target from targets where year = $year and admission_target is not null
),

-- a target inside a group, unless another target sits between it and the group
below as (
    select g.group_code, cast(round(sum(t.admission_target * m.share)) as bigint) as target
    from groups as g
    join unit_map as m on m.history = $history and m.ancestor_code = g.group_code and m.unit_code <> g.group_code
    join own as t on t.unit_code = m.unit_code
    where not exists (
        select 1
        from unit_map as up
        join own as t2 on t2.unit_code = up.ancestor_code
        join unit_map as inside
            on inside.history = $history and inside.ancestor_code = g.group_code and inside.unit_code = up.ancestor_code
        where up.history = 'reported'
          and up.unit_code = m.unit_code
          and up.ancestor_code not in (m.unit_code, g.group_code)
    )
    group by g.group_code
),

final as (
    select g.group_code, cast(coalesce(o.admission_target, b.target) as bigint) as admission_target
    from groups as g
    left join own as o on o.unit_code = g.group_code
    left join below as b using (group_code)
)

select * from final
