-- Schema version 4: the span-aggregation macros and finding_counts view (reporting/sql/views.sql).
-- Views and macros are recreated on every read-write open; this version marks stores that have
-- them, so a read-only open of an older store asks for the upgrade instead of failing on a query.
select 1;
