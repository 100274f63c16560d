-- Schema version 12: unit_map carries each unit's active dates (units.active_from, active_to), so
-- the roll-up queries tell whether a unit opens or closes a span without joining the 135,000-row
-- units table at national scale (about 6 ms of metric_totals; bench/RESULTS.md). unit_map is
-- rebuilt from the registry whenever units change, so the copies cannot drift; a store reaching
-- this version gets it rebuilt once (reporting.db).
alter table unit_map add column active_from date;
alter table unit_map add column active_to date;
