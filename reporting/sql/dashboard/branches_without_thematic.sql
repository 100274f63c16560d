-- grain: one row per reporting unit in $unit's subtree and quarter in [$start, $end], a span of
-- whole quarters, in the $history view: branches that reported, and those of them with no thematic
-- meeting in the quarter (monthly returns add up). On today's units a reporting unit also answers
-- for the returns of the units that merged into it. Read from the counts kept at load
-- (quarter_branches). The lagging list judges the thematic rule on whole quarters only, and reads
-- it here; branches_without_thematic_rows counts any span from the rows, and tests/test_rollup.py
-- holds this query to it.
-- the units that send returns, each with the reporting unit it answers to (views.sql)
with senders as (
    select * from senders_under($history, $unit)
),

kept as (
    select d.reporting_code, q.unit_code, q.quarter_start, q.branches, q.without_thematic
    from quarter_branches as q
    join senders as d on d.sender_code = q.unit_code
    where q.quarter_start >= $start and q.quarter_end <= $end
),

per_unit as (
    select reporting_code, quarter_start, count(*) as senders, sum(branches) as branches,
        sum(without_thematic) as without_thematic
    from kept
    group by reporting_code, quarter_start
),

-- Two senders of one reporting unit in one quarter (on today's units, across a merger) may both
-- carry a branch the registry moved from one to the other; it counts once, with a thematic meeting
-- if either return has one. Only those quarters read the lists of branches.
shared as (
    select
        k.reporting_code,
        k.quarter_start,
        len(list_distinct(flatten(list(q.branch_codes)))) as branches,
        len(list_distinct(flatten(list(q.branch_codes)))) - len(list_distinct(flatten(list(q.thematic_codes))))
            as without_thematic
    from per_unit as p
    join kept as k on k.reporting_code = p.reporting_code and k.quarter_start = p.quarter_start
    join quarter_branches as q on q.unit_code = k.unit_code and q.quarter_start = k.quarter_start
    where p.senders > 1
    group by k.reporting_code, k.quarter_start
),

counts as (
    select reporting_code, quarter_start, branches, without_thematic from per_unit where senders = 1
    union all
    select * from shared
)

select
    reporting_code,
    year(quarter_start) as year,
    quarter(quarter_start) as quarter,
    cast(branches as integer) as branches,
    cast(without_thematic as integer) as without_thematic
from counts
order by reporting_code, year, quarter
