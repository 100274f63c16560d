-- grain: one row per reporting unit and calendar quarter in which its current returns carry branch
-- rows, for every quarter when $all, else for each unit in $units and quarter (its first day) in
-- $quarters: the branches reported, and those with no thematic meeting in the quarter (monthly
-- returns add up). The same count as dashboard/branches_without_thematic makes from the rows.
with returns as (
    select submission_id, unit_code, cast(date_trunc('quarter', period_start) as date) as quarter_start
    from current_submissions
    where $all or (list_contains($units, unit_code) and list_contains($quarters, cast(date_trunc('quarter', period_start) as date)))
),

branches as (
    select
        r.unit_code,
        r.quarter_start,
        v.unit_code as branch_code,
        sum(v.value) filter (where v.metric = 'thematic_meetings') as thematic
    from submission_values as v
    join returns as r using (submission_id)
    where v.metric in ('thematic_meetings', 'branch_members')
    group by all
)

select
    unit_code,
    quarter_start,
    cast(last_day(quarter_start + interval 2 month) as date) as quarter_end,
    cast(count(*) as integer) as branches,
    cast(count(*) filter (where coalesce(thematic, 0) = 0) as integer) as without_thematic,
    list(branch_code order by branch_code) as branch_codes,
    coalesce(list(branch_code order by branch_code) filter (where thematic > 0), []) as thematic_codes
from branches
group by unit_code, quarter_start
order by quarter_start, unit_code
