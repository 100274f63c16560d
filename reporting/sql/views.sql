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

-- grain: one row per (ancestor, unit) pair, a unit being its own ancestor at depth 0.
create or replace view unit_closure as
with recursive closure(ancestor_code, unit_code, depth) as (
    select code, code, 0 from units
    union all
    select c.ancestor_code, u.code, c.depth + 1
    from closure as c
    join units as u on u.parent_code = c.unit_code
)
select ancestor_code, unit_code, depth from closure;

-- How one unit's figures for a metric combine over the returns of a span, and how units then add
-- up, per metrics.aggregate: flows sum; opening stocks come from each unit's first return, other
-- stocks and ratings from its last, summed over units; percents are averaged over returns.
create or replace macro unit_parts(value, period_start, period_end) as {
    'total': sum(value),
    'first': arg_min(value, period_start),
    'last': arg_max(value, period_end),
    'mean': avg(value),
    'n': count(value)
};

create or replace macro combine_units(aggregate, parts) as cast(
    case any_value(aggregate)
        when 'sum' then sum(parts.total)
        when 'first' then sum(parts.first)
        when 'last' then sum(parts.last)
        else sum(parts.mean * parts.n) / sum(parts.n)
    end as double
);

-- grain: one row per submission with findings: its errors and warnings.
create or replace view finding_counts as
select
    submission_id,
    cast(count(*) filter (where severity = 'error') as integer) as errors,
    cast(count(*) filter (where severity = 'warning') as integer) as warnings
from findings
group by submission_id;
