-- grain: one row per quarter from $from_year through $until and metric, for $unit's whole subtree in
-- the $history view, read from the roll-up of current returns when $rollup, else from every row of
-- `observations` (below a commune; see metric_totals.sql): flows summed within the quarter (monthly
-- returns roll up), stocks as at the quarter's last return (openings as at its first), counted from
-- the units that existed when the quarter opened or closed (metric_totals.sql). Quarters not ended
-- by $until are left out: a part-quarter would look like a collapse.
with subtree as (
    select unit_code, share
    from unit_map
    where history = $history and ancestor_code = $unit and (sends or not $rollup)
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
        f.metric,
        f.value,
        f.n,
        f.period_start,
        f.period_end,
        year(f.period_start) as year,
        quarter(f.period_start) as quarter
    from source as f
    join subtree as t using (unit_code)
    where f.period_start >= make_date($from_year, 1, 1)
      and f.period_end <= $until
      -- in a quarter ended by $until: before the first day of the quarter after the last one ended
      and f.period_start < case
          when $until = last_day(make_date(year($until), quarter($until) * 3, 1)) then $until + 1
          else make_date(year($until), quarter($until) * 3 - 2, 1)
      end
      and f.metric in (select unnest($metrics))
),

per_unit as (
    select year, quarter, unit_code, metric, any_value(share) as share,
        return_parts(value, n, period_start, period_end) as parts
    from obs
    group by year, quarter, unit_code, metric
),

final as (
    select
        p.year,
        p.quarter,
        p.metric,
        combine_units(
            m.aggregate, p.parts, p.share,
            active_on(u.active_from, u.active_to, make_date(p.year, p.quarter * 3 - 2, 1)),
            active_on(u.active_from, u.active_to, last_day(make_date(p.year, p.quarter * 3, 1)))
        ) as value
    from per_unit as p
    join metrics as m on m.code = p.metric
    join units as u on u.code = p.unit_code
    group by p.year, p.quarter, p.metric
)

select * from final
where value is not null
order by year, quarter, metric
