-- grain: one row per branch in $codes and branch metric over [$start, $end], in the $history view
-- (on today's units a branch also carries the branches that merged into it): flows summed, members
-- as at the last return, attendance averaged.
with scope as (
    select ancestor_code as branch_code, unit_code, share
    from unit_map
    where history = $history and ancestor_code in (select unnest($codes))
),

obs as (
    select s.branch_code, s.share, o.unit_code, o.metric, o.value, o.period_start, o.period_end
    from observations as o
    join scope as s using (unit_code)
    where o.period_start >= $start
      and o.period_end <= $end
),

per_unit as (
    select branch_code, unit_code, metric, any_value(share) as share,
        unit_parts(value, period_start, period_end) as parts
    from obs
    group by branch_code, unit_code, metric
),

final as (
    select
        p.branch_code as unit_code,
        p.metric,
        combine_units(
            m.aggregate, p.parts, p.share,
            active_on(u.active_from, u.active_to, $start), active_on(u.active_from, u.active_to, $end)
        ) as value
    from per_unit as p
    join metrics as m on m.code = p.metric
    join units as u on u.code = p.unit_code
    group by p.branch_code, p.metric
)

select * from final
where value is not null
order by unit_code, metric
