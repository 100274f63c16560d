-- grain: one row per reporting unit in $unit's subtree and quarter in [$start, $end], in the
-- $history view: branches that reported, and those of them with no thematic meeting in the quarter
-- (monthly returns add up), counted from the branch rows of the span's returns. On today's units a
-- reporting unit also answers for the returns of the units that merged into it. For a span of whole
-- quarters, branches_without_thematic reads the same counts kept at load.
-- the units that send returns, each with the reporting unit it answers to (views.sql)
with senders as (
    select * from senders_under($history, $unit)
),

-- The current returns of the span first, then their branch rows: the join on submission_id lets
-- DuckDB skip the row groups of other returns whatever its estimates (a fresh store had planned a
-- scan of every branch row).
returns as (
    select
        s.submission_id,
        d.reporting_code,
        year(s.period_start) as year,
        quarter(s.period_start) as quarter,
        count(*) over (partition by d.reporting_code, year(s.period_start), quarter(s.period_start)) = 1 as alone
    from current_submissions as s
    join senders as d on d.sender_code = s.unit_code
    where s.period_start >= $start and s.period_end <= $end
),

-- A branch counts once per quarter, its thematic meetings added up over the quarter's returns. A
-- return alone in its quarter holds each branch once, with its required member count (a duplicate
-- or a blank count rejects the return), so its branches are counted without grouping them one by one.
grouped as (
    select
        r.reporting_code,
        r.year,
        r.quarter,
        case when r.alone then null else v.unit_code end as branch_code,
        count(*) filter (where v.metric = 'branch_members') as branch_rows,
        count(*) filter (where v.metric = 'thematic_meetings' and v.value > 0) as with_thematic,
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
    cast(sum(case when branch_code is null then branch_rows else 1 end) as integer) as branches,
    cast(sum(
        case when branch_code is null then branch_rows - with_thematic else cast(coalesce(thematic, 0) = 0 as integer) end
    ) as integer) as without_thematic
from grouped
group by reporting_code, year, quarter
order by reporting_code, year, quarter
