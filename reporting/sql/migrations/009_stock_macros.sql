-- Schema version 9: the two-step span macros (views.sql: stock_key, span_parts, combine_parts)
-- replace return_parts and combine_units, and unit_map is stored in (history, sends, ancestor_code)
-- order (rebuilt once on upgrade: reporting/db.py). Like version 4, this marks stores that have the
-- new macros, so a read-only open of an older store asks for the upgrade instead of failing.
select 1;
