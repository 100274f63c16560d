-- Schema version 11: how many branches each reporting unit's current returns carry in a calendar
-- quarter, and how many of them held no thematic meeting in it, maintained at load.
--
-- One row per reporting unit (the unit that sent the returns) and quarter, from the branch rows of
-- its current returns there; a branch reported in several monthly returns counts once, with its
-- thematic meetings added up. For a span of whole quarters the lagging list reads these counts
-- instead of every branch row of the span (790,000 rows a quarter at national scale;
-- bench/RESULTS.md). Filled by reporting.rollup when a store reaches this version; load refreshes
-- a unit's quarter together with quarter_figures.
create table quarter_branches (
    unit_code         varchar not null,  -- the reporting unit that sent the returns
    quarter_start     date not null,
    quarter_end       date not null,
    branches          integer not null,  -- branches with a row in the quarter's returns
    without_thematic  integer not null,  -- of them, those whose thematic meetings add up to none
    -- The branches themselves, and those with a thematic meeting: where two senders answer for one
    -- reporting unit in a quarter (on today's units, across a merger), a branch the registry moved
    -- from one to the other is in both returns and must count once.
    branch_codes      varchar[] not null,
    thematic_codes    varchar[] not null
);
