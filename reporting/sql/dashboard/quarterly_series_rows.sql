-- grain: one row per quarter from $from_year through $until and metric, for $unit's whole subtree in
-- the $history view, from every row of `observations`: what quarterly_series.sql reads from the
-- quarter roll-up, for the units below a commune (branches send no returns of their own; see
-- metric_totals.sql) and for checking that roll-up (tests/test_rollup.py). Figures combine as
-- there (views.sql: stock_key, span_parts, combine_parts).
with subtree as (
    select m.unit_code, m.share, m.active_from, m.active_to
    from unit_map as m
    where m.history = $history and m.ancestor_code = $unit
),

obs as (
    select
        f.unit_code,
        t.share,
        t.active_from,
        t.active_to,
        f.metric,
        m.aggregate,
        f.value,
        1 as n,
        f.period_start,
        f.period_end,
        date_trunc('quarter', f.period_start) as quarter_start
    from observations as f
    join subtree as t using (unit_code)
    join metrics as m on m.code = f.metric
    where f.period_start >= make_date($from_year, 1, 1)
      and f.period_end <= $until
      and f.period_start < after_ended_quarters($until)  -- in a quarter ended by $until
      and f.metric in (select unnest($metrics))
),

parts as (
    select quarter_start, metric, any_value(aggregate) as aggregate, any_value(active_from) as active_from,
        any_value(active_to) as active_to, span_parts(value, n, share, period_start, period_end) as parts
    from obs
    group by quarter_start, metric, stock_key(aggregate, unit_code)
),

final as (
    select
        quarter_start,
        metric,
        combine_parts(
            aggregate, parts,
            active_on(active_from, active_to, quarter_start),
            active_on(active_from, active_to, last_day(quarter_start + interval 2 month))
        ) as value
    from parts
    group by quarter_start, metric
)

select year(quarter_start) as year, quarter(quarter_start) as quarter, metric, value
from final
where value is not null
order by year, quarter, metric
