-- Schema version 6: submission_values without its primary key.
--
-- Measured (bench/, 15.5 million values: 3,298 communes x 40 branches x 12 months):
-- with the (submission_id, unit_code, metric) primary key the store took 1,457 MB and
-- 34 s to fill; without it, 80 MB and 3 s. The index was 95% of the file, was held in
-- memory by the writing process, and no query used it (every read scans by submission).
-- Uniqueness is kept by construction: a return's values are inserted in one statement
-- from a mapping keyed by (unit, metric), and a version is never inserted twice.
create table submission_values_new (
    submission_id  integer not null,
    unit_code      varchar not null,   -- branch rows carry the branch's code
    metric         varchar not null,
    value          double  not null
);
insert into submission_values_new
select submission_id, unit_code, metric, value from submission_values order by submission_id, unit_code, metric;
drop view if exists observations;
drop table submission_values;
alter table submission_values_new rename to submission_values;
