-- grain: one row per reporting unit in $unit's subtree and quarter in [$start, $end], in the
-- $history view: branches that reported, and those of them with no thematic meeting in the quarter
-- (monthly returns add up). On today's units a reporting unit also answers for the returns of the
-- units that merged into it.
with senders as (
    select m.unit_code as sender_code, coalesce(r.ancestor_code, m.unit_code) as reporting_code
    from unit_map as m
    left join unit_map as r
        on r.history = $history and r.unit_code = m.unit_code and r.depth = 0 and r.mapped
    where m.history = $history and m.ancestor_code = $unit
),

branch_quarters as (
    select
        d.reporting_code,
        o.unit_code as branch_code,
        year(o.period_start) as year,
        quarter(o.period_start) as quarter,
        sum(o.value) filter (where o.metric = 'thematic_meetings') as thematic
    from observations as o
    join submissions as s using (submission_id)
    join senders as d on d.sender_code = s.unit_code
    where o.metric in ('thematic_meetings', 'branch_members')
      and o.period_start >= $start
      and o.period_end <= $end
    group by all
)

select
    reporting_code,
    year,
    quarter,
    cast(count(*) as integer) as branches,
    cast(count(*) filter (where coalesce(thematic, 0) = 0) as integer) as without_thematic
from branch_quarters
group by reporting_code, year, quarter
order by reporting_code, year, quarter
