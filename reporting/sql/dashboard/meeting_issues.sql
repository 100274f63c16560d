-- grain: one row per reporting unit of branch_pairs with a branch that reported in [$start, $end], in the
-- $history view: how many of its branches reported, how many of those held fewer regular meetings
-- than the months of the span its reporting unit existed (branch_pairs.months), and how many had a quarter with no thematic meeting. The
-- Arrow table branch_pairs (branch_code, reporting_code, months) pairs each branch with its reporting unit
-- (reporting/units.py, TreeView.branches_under).
-- The same counts as dashboard.branch_list grouped by reporting unit, without building a row per
-- branch in Python: at national scale 130,000 branches took 5 s that way (bench/RESULTS.md).

-- on today's units a branch also answers for the branches that merged into it (times their share);
-- all are branches, which send no returns (`not sends` reads only that part of unit_map's order)
with scope as (
    select b.branch_code, b.reporting_code, b.months, m.unit_code, m.share
    from branch_pairs as b
    join unit_map as m on m.history = $history and m.ancestor_code = b.branch_code and not m.sends
),

-- Each unit's quarters from the span's current returns first (monthly returns add up), then the
-- branches: joined the other way round, DuckDB paired every quarter's branch rows with the branches
-- before it dropped the other quarters. A branch's row in a return counts it as reported (every row
-- has the required member count).
unit_quarters as materialized (
    select
        v.unit_code,
        year(s.period_start) as year,
        quarter(s.period_start) as quarter,
        sum(v.value) filter (where v.metric = 'regular_meetings') as regular,
        coalesce(sum(v.value) filter (where v.metric = 'thematic_meetings'), 0) as thematic
    from current_submissions as s
    join submission_values as v using (submission_id)
    where s.period_start >= $start
      and s.period_end <= $end
      and v.metric in ('branch_members', 'regular_meetings', 'thematic_meetings')
    group by all
),

-- a branch's quarters, with those of the branches that merged into it (times their share)
quarters as (
    select s.reporting_code, s.branch_code, any_value(s.months) as months, sum(q.regular * s.share) as regular,
        sum(q.thematic * s.share) as thematic
    from unit_quarters as q
    join scope as s using (unit_code)
    group by s.reporting_code, s.branch_code, q.year, q.quarter
),

per_branch as (
    select
        reporting_code,
        coalesce(sum(regular), 0) < any_value(months) as missed_regular,
        bool_or(thematic = 0) as no_thematic
    from quarters
    group by reporting_code, branch_code
)

select
    reporting_code as code,
    cast(count(*) as integer) as branches,
    cast(count(*) filter (where missed_regular) as integer) as missed_regular,
    cast(count(*) filter (where no_thematic) as integer) as no_thematic
from per_branch
group by reporting_code
order by reporting_code
