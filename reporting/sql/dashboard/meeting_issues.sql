-- grain: one row per reporting unit in $owners with a branch that reported in [$start, $end], in the
-- $history view: how many of its branches reported, how many of those held fewer regular meetings
-- than the span has months ($months), and how many had a quarter with no thematic meeting. $codes
-- and $owners pair each branch with its reporting unit (reporting/units.py, TreeView.branches_under).
-- The same counts as dashboard.branch_list grouped by reporting unit, without building a row per
-- branch in Python: at national scale 130,000 branches took 5 s that way (bench/RESULTS.md).
with branches as (
    select unnest($codes) as branch_code, unnest($owners) as reporting_code
),

-- on today's units a branch also answers for the branches that merged into it (times their share)
scope as (
    select b.branch_code, b.reporting_code, m.unit_code, m.share
    from branches as b
    join unit_map as m on m.history = $history and m.ancestor_code = b.branch_code and not m.sends
),

-- a branch's quarters: its row in a return of the quarter counts it as reported (every row has the
-- required member count), its meetings add up over the quarter's returns
quarters as (
    select
        s.reporting_code,
        s.branch_code,
        sum(o.value * s.share) filter (where o.metric = 'regular_meetings') as regular,
        coalesce(sum(o.value * s.share) filter (where o.metric = 'thematic_meetings'), 0) as thematic
    from observations as o
    join scope as s using (unit_code)
    where o.period_start >= $start
      and o.period_end <= $end
      and o.metric in ('branch_members', 'regular_meetings', 'thematic_meetings')
    group by s.reporting_code, s.branch_code, year(o.period_start), quarter(o.period_start)
),

per_branch as (
    select
        reporting_code,
        coalesce(sum(regular), 0) < $months as missed_regular,
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
