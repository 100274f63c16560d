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

-- How one unit's figures for a metric combine over the returns of a span, and how units then add
-- up, per metrics.aggregate: flows sum; opening stocks come from each unit's first return, other
-- stocks and ratings from its last, summed over units; percents are averaged over returns. Rows come
-- from `observations` (n = 1) or from the roll-up of returns (current_figures: a branch metric's
-- value is the sum over a return's branch rows and n how many there were), so the mean is sum / n.
create or replace macro return_parts(value, n, period_start, period_end) as {
    'total': sum(value),
    'first': arg_min(value, period_start),
    'last': arg_max(value, period_end),
    'mean': sum(value) / sum(n),
    'n': sum(n)
};

-- Each unit counts with its share (below 1 only for a unit split among successors, seen on
-- today's units). Opening stocks count only from units that existed when the span opened, closing
-- stocks only from units that still exist when it closes: across a merger the old communes give
-- the opening and the new commune the closing, never both.
create or replace macro combine_units(aggregate, parts, share, opens, closes) as cast(
    case any_value(aggregate)
        when 'sum' then sum(parts.total * share)
        when 'first' then sum(parts.first * share) filter (where opens)
        when 'last' then sum(parts.last * share) filter (where closes)
        else sum(parts.mean * parts.n * share) / sum(parts.n * share)
    end as double
);

-- Whether a unit existed on a day (null dates are open-ended).
create or replace macro active_on(active_from, active_to, day) as
    (active_from is null or active_from <= day) and (active_to is null or active_to >= day);

-- grain: one row per submission with findings: its errors and warnings.
create or replace view finding_counts as
select
    submission_id,
    cast(count(*) filter (where severity = 'error') as integer) as errors,
    cast(count(*) filter (where severity = 'warning') as integer) as warnings
from findings
group by submission_id;
