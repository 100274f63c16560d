-- Schema version 8: a roll-up of the current returns, maintained at load, and which units of
-- unit_map send returns (the roll-up's rows are theirs: a query joins only those).
alter table unit_map add column sends boolean not null default false;

-- The roll-up of the current returns.
--
-- One row per metric of the current accepted version of every return: the unit-level figure, or
-- for a branch metric the sum over the return's branch rows (n: how many rows were added, so a
-- percent is averaged as sum / n). A return's rows are inserted with its values and deleted when
-- a new version supersedes it, so this table always equals the `observations` view grouped by
-- return and metric (tests/test_rollup.py holds it to that). Dashboards above the commune read it
-- instead of every branch row: about nine times fewer rows (bench/RESULTS.md).
create table current_figures (
    unit_code      varchar not null,   -- the reporting unit that sent the return
    period_start   date not null,
    period_end     date not null,
    metric         varchar not null,
    value          double not null,
    n              integer not null,
    submission_id  integer not null
);

insert into current_figures
select s.unit_code, s.period_start, s.period_end, v.metric, sum(v.value), count(*), s.submission_id
from submission_values as v
join submissions as s using (submission_id)
where s.status in ('accepted', 'warnings') and s.superseded_by is null
group by s.unit_code, s.period_start, s.period_end, v.metric, s.submission_id
order by s.period_start, s.unit_code, v.metric;
