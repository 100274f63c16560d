-- grain: one row per group in $groups: of the returns due from the reporting units of its subtree in
-- the $history view (unit_map's senders) for the quarters of [$start, $end] ended by $today, how
-- many are in. A unit owes a quarter's return when it was active for the whole quarter, and has it
-- when it has a current return for the quarter, or, reporting monthly, for each of its three months:
-- the rule of reporting/submissions.unit_statuses (dashboard.return_coverage counts the same returns
-- for one unit). Per child, it says when a child's figures cover less than the span (2 of the 3
-- quarters of a nine-month span: six months given as nine).
with groups as (
    select distinct unnest($groups) as group_code
),

quarters as (
    select cast(q as date) as quarter_start, cast(last_day(cast(q as date) + interval 2 month) as date) as quarter_end
    from unnest(generate_series(cast(date_trunc('quarter', cast($start as date)) as date), cast($end as date),
        interval 3 month)) as t(q)
    where last_day(cast(q as date) + interval 2 month) < $today
),

due as (
    select g.group_code, m.unit_code, q.quarter_start, q.quarter_end
    from groups as g
    join unit_map as m on m.history = $history and m.ancestor_code = g.group_code and m.sends
    join quarters as q
        on (m.active_from is null or m.active_from <= q.quarter_start)
        and (m.active_to is null or m.active_to >= q.quarter_end)
),

received as (
    select d.unit_code, d.quarter_start
    from (select distinct unit_code, quarter_start, quarter_end from due) as d
    join current_submissions as s
        on s.unit_code = d.unit_code and s.period_start >= d.quarter_start and s.period_end <= d.quarter_end
    group by d.unit_code, d.quarter_start
    having count(distinct s.period) >= case when bool_or(s.period_end = last_day(s.period_start)) then 3 else 1 end
)

select
    g.group_code,
    count(d.unit_code) as returns_due,
    count(r.unit_code) as returns_received
from groups as g
left join due as d using (group_code)
left join received as r on r.unit_code = d.unit_code and r.quarter_start = d.quarter_start
group by g.group_code
order by g.group_code
