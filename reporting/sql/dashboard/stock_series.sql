-- grain: one row per quarter from $from_year through the last ended by $until and closing stock in
-- $metrics, for $unit's whole subtree in the $history view: how many reporting units owed the
-- figure (those existing on the quarter's last day), how many gave it, the as-reported sum (equal
-- to quarterly_series'), and the estimate that carries each silent unit's last reported closing
-- forward (from quarter_figures, the last earlier quarter it gave the figure in), so that a late
-- return does not read as a fall. A unit with no earlier figure adds nothing to the estimate.
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

known as (
    select f.unit_code, f.metric, f.quarter_start, f.last
    from quarter_figures as f
    semi join subtree using (unit_code)
    where list_contains($metrics, f.metric) and f.quarter_start < after_ended_quarters($until)
),

carried as (
    select o.quarter_start, o.metric, o.share, k.quarter_start as known_start, k.last
    from owing as o
    asof left join known as k
        on k.unit_code = o.unit_code and k.metric = o.metric and o.quarter_start >= k.quarter_start
),

final as (
    select
        quarter_start,
        metric,
        count(*) as units_due,
        count(*) filter (where known_start = quarter_start) as units_reported,
        sum(last * share) filter (where known_start = quarter_start) as reported,
        sum(last * share) as estimate
    from carried
    group by quarter_start, metric
)

select year(quarter_start) as year, quarter(quarter_start) as quarter, metric, units_due, units_reported,
    reported, estimate
from final
order by year, quarter, metric
