-- Schema version 13: each unit's admission target for a year in each view of history, maintained
-- whenever targets, their resolved percents or the registry change.
--
-- The dashboards asked dashboard/targets.sql for it on every call, which scanned unit_map twice
-- (135,000 and 537,000 rows at national scale: 45-60 ms; bench/RESULTS.md); it now reads this
-- table. Filled by reporting.rollup (sql/load/target_totals.sql) when a store reaches this version
-- and, after that, by ingest.registry.resolve_targets, which every writer of targets and of the
-- registry calls in its transaction.
create table target_totals (
    history           varchar not null check (history in ('reported', 'today')),
    year              integer not null,
    group_code        varchar not null,  -- the unit whose subtree the target covers
    admission_target  bigint not null
);
