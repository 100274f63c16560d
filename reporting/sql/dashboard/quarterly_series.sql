-- grain: one row per quarter from $from_year through $until and metric, for $unit's whole subtree in
-- the $history view, from the quarter roll-up of current returns (quarter_figures: one row per
-- reporting unit, quarter and metric): flows summed within the quarter (monthly returns roll up),
-- stocks as at the quarter's last return (openings as at its first), counted from the units that
-- existed when the quarter opened or closed; percents averaged over the rows they came from
-- (views.sql: pick_part). Quarters not ended by $until are left out: a part-quarter would look like
-- a collapse. Below a commune, quarterly_series_rows.sql reads the branch rows instead.
with subtree as (
    select m.unit_code, m.share, m.active_from, m.active_to
    from unit_map as m
    where m.history = $history and m.ancestor_code = $unit and m.sends
),

rolled as (
    select
        q.quarter_start,
        q.metric,
        sum(q.total * t.share) as total,
        sum(q.n * t.share) as n,
        sum(q.first * t.share) filter (where active_on(t.active_from, t.active_to, q.quarter_start)) as first,
        sum(q.last * t.share) filter (where active_on(t.active_from, t.active_to, q.quarter_end)) as last
    from quarter_figures as q
    join subtree as t using (unit_code)
    where q.quarter_start >= make_date($from_year, 1, 1)
      and q.quarter_start < after_ended_quarters($until)
      and list_contains($metrics, q.metric)  -- pushed into the scan (a semi-join costs more to plan)
    group by q.quarter_start, q.metric
),

final as (
    select r.quarter_start, r.metric, pick_part(m.aggregate, r.total, r.n, r.first, r.last) as value
    from rolled as r
    join metrics as m on m.code = r.metric
)

select year(quarter_start) as year, quarter(quarter_start) as quarter, metric, value
from final
where value is not null
order by year, quarter, metric
