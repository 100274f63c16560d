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

-- The current returns of the span first, then their branch rows: the join on submission_id lets
-- DuckDB skip the row groups of other returns whatever its estimates (a fresh store had planned a
-- scan of every branch row).
returns as (
    select s.submission_id, d.reporting_code, s.period_start
    from current_submissions as s
    join senders as d on d.sender_code = s.unit_code
    where s.period_start >= $start and s.period_end <= $end
),

branch_quarters as (
    select
        r.reporting_code,
        v.unit_code as branch_code,
        year(r.period_start) as year,
        quarter(r.period_start) as quarter,
        sum(v.value) filter (where v.metric = 'thematic_meetings') as thematic
    from submission_values as v
    join returns as r using (submission_id)
    where v.metric in ('thematic_meetings', 'branch_members')
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
