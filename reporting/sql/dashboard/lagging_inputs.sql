-- grain: one row per reporting unit in $unit's subtree: admissions from 1 January to $end, and
-- regular and weak (average or poor) meetings of its branches within [$start, $end].
with reporting as (
    select u.code, u.name
    from unit_closure as cl
    join units as u on u.code = cl.unit_code
    where cl.ancestor_code = $unit
      and u.org_type in (select unnest($reporting_types))
      and (u.active_from is null or u.active_from <= $end)
      and (u.active_to is null or u.active_to >= $start)
),

obs as (
    select s.unit_code as reporting_code, o.metric, o.value, o.period_start, o.period_end
    from observations as o
    join submissions as s using (submission_id)
    where s.unit_code in (select code from reporting)
      and o.period_end <= $end
      and o.period_start >= make_date(year($end), 1, 1)
),

final as (
    select
        r.code,
        r.name,
        cast(coalesce(sum(o.value) filter (where o.metric = 'admitted'), 0) as double) as admitted_ytd,
        cast(coalesce(sum(o.value) filter (
            where o.metric = 'regular_meetings' and o.period_start >= $start), 0) as double) as regular_meetings,
        cast(coalesce(sum(o.value) filter (
            where o.metric in ('rating_average', 'rating_poor') and o.period_start >= $start), 0) as double)
            as weak_meetings
    from reporting as r
    left join obs as o on o.reporting_code = r.code
    group by r.code, r.name
)

select * from final
order by code
