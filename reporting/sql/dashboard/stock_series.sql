-- grain: one row per quarter from $from_year through the last ended by $until and closing stock in
-- $metrics, for $unit's whole subtree in the $history view: how many reporting units owed the
-- figure (those existing on the quarter's last day), how many gave it (in a return that ends on the
-- quarter's last day: a monthly reporter with two of the quarter's months in has not), their sum,
-- and the estimate that carries each other unit's latest closing forward (from quarter_figures: the
-- last quarter up to this one it gave the figure in), so that a late return does not read as a fall.
-- A unit with no figure of its own yet (a commune formed at a merger whose first return is missing)
-- is carried with the sum over its predecessors in unit_lineage of their latest closing times the
-- share that passed to it; a unit with neither adds nothing. The rule of stock_coverage.sql, per
-- quarter.
with subtree as (
    select m.unit_code, m.share, m.active_from, m.active_to
    from unit_map as m
    where m.history = $history and m.ancestor_code = $unit and m.sends
),

quarters as (
    select cast(q as date) as quarter_start, last_day(cast(q as date) + interval 2 month) as quarter_end
    from unnest(generate_series(make_date($from_year, 1, 1), after_ended_quarters($until) - interval 1 day,
        interval 3 month)) as t(q)
),

owing as (
    select q.quarter_start, t.unit_code, t.share, x.metric
    from quarters as q
    join subtree as t on active_on(t.active_from, t.active_to, q.quarter_end)
    cross join (select unnest($metrics) as metric) as x
),

-- the units whose figures an owing unit can be carried with when it has none of its own yet
lineage as (
    select l.successor_code as unit_code, l.predecessor_code, l.share
    from unit_lineage as l
    semi join subtree as t on t.unit_code = l.successor_code
),

-- the (unit, quarter) whose returns reach the quarter's last day
quarter_ends as (
    select distinct s.unit_code, s.period_end
    from current_submissions as s
    semi join subtree using (unit_code)
    where s.period_end = last_day(make_date(year(s.period_end), quarter(s.period_end) * 3, 1))
      and s.period_end < after_ended_quarters($until)
),

known as (
    select f.unit_code, f.metric, f.quarter_start, f.last, e.unit_code is not null as complete
    from quarter_figures as f
    left join quarter_ends as e on e.unit_code = f.unit_code and e.period_end = f.quarter_end
    where list_contains($metrics, f.metric) and f.quarter_start < after_ended_quarters($until)
      and (f.unit_code in (select unit_code from subtree) or f.unit_code in (select predecessor_code from lineage))
),

carried as (
    select o.quarter_start, o.unit_code, o.metric, o.share, k.quarter_start as known_start, k.complete, k.last
    from owing as o
    asof left join known as k
        on k.unit_code = o.unit_code and k.metric = o.metric and o.quarter_start >= k.quarter_start
),

-- an owing unit with no figure of its own by the quarter: its predecessors' latest, times the share
inherited as (
    select c.quarter_start, c.unit_code, c.metric, sum(k.last * l.share) as last
    from (select * from carried where known_start is null) as c
    join lineage as l using (unit_code)
    asof join known as k
        on k.unit_code = l.predecessor_code and k.metric = c.metric and c.quarter_start >= k.quarter_start
    group by c.quarter_start, c.unit_code, c.metric
),

final as (
    select
        c.quarter_start,
        c.metric,
        count(*) as units_due,
        count(*) filter (where c.known_start = c.quarter_start and c.complete) as units_reported,
        sum(c.last * c.share) filter (where c.known_start = c.quarter_start and c.complete) as reported,
        sum(coalesce(c.last, i.last) * c.share) as estimate
    from carried as c
    left join inherited as i using (quarter_start, unit_code, metric)
    group by c.quarter_start, c.metric
)

select year(quarter_start) as year, quarter(quarter_start) as quarter, metric, units_due, units_reported,
    reported, estimate
from final
order by year, quarter, metric
