-- grain: one row per view of history, year and unit with an admission target in that view: its own
-- if the board set one (resolved: a percent counts once the year's opening membership is known),
-- else the sum of the nearest targets set below it (a target below another target is already
-- inside it). On today's units the targets of the units that merged into it count too (times
-- their shares). dashboard/targets.sql reads these rows; a unit without one has no target.
with own as (
    select unit_code, year, admission_target from targets where admission_target is not null
),

-- every target inside every unit above it, in both views of history
inside as (
    select m.history, m.ancestor_code as group_code, m.unit_code, m.share, t.year, t.admission_target
    from unit_map as m
    join own as t on t.unit_code = m.unit_code
    where m.unit_code <> m.ancestor_code
),

-- a target with another target between it and the unit above (on the registry's tree, the other
-- target lying inside the unit in the view): the other one already holds it
covered as (
    select distinct i.history, i.group_code, i.unit_code, i.year
    from inside as i
    join unit_map as up
        on up.history = 'reported' and up.unit_code = i.unit_code and up.ancestor_code not in (i.unit_code, i.group_code)
    join own as t on t.unit_code = up.ancestor_code and t.year = i.year
    join unit_map as between_
        on between_.history = i.history and between_.ancestor_code = i.group_code and between_.unit_code = up.ancestor_code
),

below as (
    select i.history, i.year, i.group_code, cast(round(sum(i.admission_target * i.share)) as bigint) as target
    from inside as i
    anti join covered as c using (history, group_code, unit_code, year)
    group by i.history, i.year, i.group_code
),

views as (
    select unnest(['reported', 'today']) as history
)

select b.history, b.year, b.group_code, cast(coalesce(o.admission_target, b.target) as bigint) as admission_target
from below as b
left join own as o on o.unit_code = b.group_code and o.year = b.year
union all
select v.history, o.year, o.unit_code, cast(o.admission_target as bigint)
from own as o
cross join views as v
anti join below as b on b.history = v.history and b.year = o.year and b.group_code = o.unit_code
order by history, year, group_code
