-- grain: one row per quarter from $from_year through $until and metric, for $unit's whole subtree in
-- the $history view, read from the roll-up of current returns when $rollup, else from every row of
-- `observations` (below a commune; see metric_totals.sql): flows summed within the quarter (monthly
-- returns roll up), stocks as at the quarter's last return (openings as at its first), counted from
-- the units that existed when the quarter opened or closed (views.sql: stock_key, span_parts,
-- combine_parts). Quarters not ended by $until are left out: a part-quarter would look like a collapse.
with subtree as (
    select m.unit_code, m.share, u.active_from, u.active_to
    from unit_map as m
    join units as u on u.code = m.unit_code
    where m.history = $history and m.ancestor_code = $unit and (m.sends or not $rollup)
),

source as (
    select unit_code, period_start, period_end, metric, value, n from current_figures where $rollup
    union all
    select unit_code, period_start, period_end, metric, value, 1 as n from observations where not $rollup
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
        f.n,
        f.period_start,
        f.period_end,
        date_trunc('quarter', f.period_start) as quarter_start
    from source as f
    join subtree as t using (unit_code)
    join metrics as m on m.code = f.metric
    where f.period_start >= make_date($from_year, 1, 1)
      and f.period_end <= $until
      -- in a quarter ended by $until: before the first day of the quarter after the last one ended
      and f.period_start < case
          when $until = last_day(make_date(year($until), quarter($until) * 3, 1)) then $until + 1
          else make_date(year($until), quarter($until) * 3 - 2, 1)
      end
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
        year(quarter_start) as year,
        quarter(quarter_start) as quarter,
        metric,
        combine_parts(
            aggregate, parts,
            active_on(active_from, active_to, quarter_start),
            active_on(active_from, active_to, last_day(quarter_start + interval 2 month))
        ) as value
    from parts
    group by quarter_start, metric
)

select * from final
where value is not null
order by year, quarter, metric
