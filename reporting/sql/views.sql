-- Views recreated on every open; they hold no data of their own.

-- grain: one row per unit and period that has a current accepted return.
create or replace view current_submissions as
select *
from submissions
where status in ('accepted', 'warnings')
  and superseded_by is null;

-- grain: one row per figure of the current accepted version of every return.
-- The product's public SQL interface: columns and meaning are a contract.
create or replace view observations as
select
    v.unit_code,
    s.period_start,
    s.period_end,
    v.metric,
    v.value,
    v.submission_id
from submission_values as v
join current_submissions as s using (submission_id);

-- grain: one row per (ancestor, unit) pair of the registry's tree, a unit being its own ancestor at
-- depth 0. Kept for readers of the store; queries use unit_map, which also holds today's tree.
create or replace view unit_closure as
select ancestor_code, unit_code, depth
from unit_map
where history = 'reported';

-- How figures combine over the returns of a span and over the units of a group, per
-- metrics.aggregate: flows sum; opening stocks come from each unit's first return in the span,
-- other stocks and ratings from its last, summed over units; percents are averaged over returns.
-- Rows come from `observations` (n = 1) or from the roll-up of returns (current_figures: a branch
-- metric's value is the sum over a return's branch rows and n how many there were), so the mean is
-- sum / n. Each unit counts with its share (below 1 only for a unit split among successors, seen on
-- today's units).
--
-- Two steps. First, group the rows by group, metric and stock_key: flows and percents add up over
-- the whole group at once (the key is null), a stock keeps one group per unit, because only that
-- unit's first or last return counts. Grouping every row by unit cost twice as much at national
-- scale (bench/RESULTS.md). Then combine_parts adds the groups up. Opening stocks count only from
-- units that existed when the span opened, closing stocks only from units that still exist when it
-- closes: across a merger the old communes give the opening and the new commune the closing, never both.
create or replace macro stock_key(aggregate, unit_code) as
    case when aggregate in ('first', 'last') then unit_code end;

create or replace macro span_parts(value, n, share, period_start, period_end) as {
    'total': sum(value * share),
    'n': sum(n * share),
    'first': arg_min(value * share, period_start),
    'last': arg_max(value * share, period_end)
};

-- The figure a metric's aggregate takes from parts already added up over a group's units (the
-- quarter roll-up gives them without the struct of span_parts).
create or replace macro pick_part(aggregate, total, n, first, last) as cast(
    case aggregate when 'sum' then total when 'first' then first when 'last' then last else total / n end
    as double
);

create or replace macro combine_parts(aggregate, parts, opens, closes) as pick_part(
    any_value(aggregate),
    sum(parts.total),
    sum(parts.n),
    sum(parts.first) filter (where opens),
    sum(parts.last) filter (where closes)
);

drop macro if exists return_parts;  -- replaced by span_parts (schema 8 stores still have them)
drop macro if exists combine_units;

-- The first day after the last calendar quarter that has ended by `day` (the day itself when it
-- ends a quarter).
create or replace macro after_ended_quarters(day) as
    case
        when day = last_day(make_date(year(day), quarter(day) * 3, 1)) then day + 1
        else make_date(year(day), quarter(day) * 3 - 2, 1)
    end;

-- Whether a unit existed on a day (null dates are open-ended).
create or replace macro active_on(active_from, active_to, day) as
    (active_from is null or active_from <= day) and (active_to is null or active_to >= day);

-- grain: one row per unit that sends returns in `root`'s subtree in the `view_of` history view
-- (unit_map is stored in (history, sends, ancestor) order), with the reporting unit it answers to:
-- itself, or on today's units the unit it merged into.
create or replace macro senders_under(view_of, root) as table
    select m.unit_code as sender_code, coalesce(r.ancestor_code, m.unit_code) as reporting_code
    from unit_map as m
    left join unit_map as r
        on r.history = view_of and r.sends and r.unit_code = m.unit_code and r.depth = 0 and r.mapped
    where m.history = view_of and m.sends and m.ancestor_code = root;

-- grain: one row per submission with findings: its errors and warnings.
create or replace view finding_counts as
select
    submission_id,
    cast(count(*) filter (where severity = 'error') as integer) as errors,
    cast(count(*) filter (where severity = 'warning') as integer) as warnings
from findings
group by submission_id;
