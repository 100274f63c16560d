-- Schema version 2: how each metric combines over a span (sum, first, last, mean).
alter table metrics add column aggregate varchar;
