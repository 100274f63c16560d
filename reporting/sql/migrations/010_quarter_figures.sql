-- Schema version 10: the roll-up of current returns by calendar quarter, maintained at load.
--
-- One row per reporting unit, quarter and metric, from current_figures (returns are months or
-- quarters, so each lies in one quarter): what span_parts (views.sql) takes from the unit's returns
-- of that quarter, before its share. The quarterly series reads it instead of every monthly return:
-- three times fewer rows, and stored by metric so that a series of a few metrics reads a few row
-- groups (bench/RESULTS.md). Filled by reporting.rollup when a store reaches this version; load
-- refreshes a unit's quarter whenever one of its returns there changes.
create table quarter_figures (
    unit_code      varchar not null,  -- the reporting unit that sent the returns
    quarter_start  date not null,
    quarter_end    date not null,     -- stored: computed per row it cost a national series 20 ms
    metric         varchar not null,
    total          double not null,   -- the sum of the quarter's returns (flows; percents' numerator)
    n              double not null,   -- how many values were added (percents' denominator)
    first          double not null,   -- the value in the quarter's first return (opening stocks)
    last           double not null    -- the value in its last return (closing stocks, ratings)
);
