-- grain: one row per branch in $codes and quarter within [$start, $end] that it reported in, in the
-- $history view: its regular and thematic meetings in the quarter (monthly returns add up).
with scope as (
    select ancestor_code as branch_code, unit_code, share
    from unit_map
    where history = $history and ancestor_code in (select unnest($codes))
)

select
    s.branch_code as unit_code,
    year(o.period_start) as year,
    quarter(o.period_start) as quarter,
    cast(coalesce(sum(o.value * s.share) filter (where o.metric = 'regular_meetings'), 0) as double)
        as regular_meetings,
    cast(coalesce(sum(o.value * s.share) filter (where o.metric = 'thematic_meetings'), 0) as double)
        as thematic_meetings,
    cast(count(distinct o.period_start) filter (where o.metric = 'branch_members') as integer) as returns
from observations as o
join scope as s using (unit_code)
where o.period_start >= $start
  and o.period_end <= $end
group by all
order by unit_code, year, quarter
