-- grain: one row per branch in $codes and quarter within [$start, $end] that it reported in:
-- its regular and thematic meetings in the quarter (monthly returns add up).
select
    o.unit_code,
    year(o.period_start) as year,
    quarter(o.period_start) as quarter,
    cast(coalesce(sum(o.value) filter (where o.metric = 'regular_meetings'), 0) as double) as regular_meetings,
    cast(coalesce(sum(o.value) filter (where o.metric = 'thematic_meetings'), 0) as double) as thematic_meetings,
    cast(count(distinct o.period_start) filter (where o.metric = 'branch_members') as integer) as returns
from observations as o
where o.unit_code in (select unnest($codes))
  and o.period_start >= $start
  and o.period_end <= $end
group by all
order by o.unit_code, year, quarter
