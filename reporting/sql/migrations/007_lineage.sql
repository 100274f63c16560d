-- Schema version 7: unit lineage across mergers and splits, and the maintained unit map.

-- Why a unit stopped: merged (into one successor), split (among several, with shares) or
-- dissolved (no successor). Null while the unit is active, or when the registry does not say.
alter table units add column end_reason varchar;

-- One row per succession: the predecessor's members, branches and history passed to the
-- successor on the effective date, whole (share 1) or, for a split, in part.
create table unit_lineage (
    predecessor_code  varchar not null,
    successor_code    varchar not null,
    effective_date    date not null,      -- the successor's first day; the predecessor's last is the day before
    share             double not null default 1 check (share > 0 and share <= 1),
    updated_at        timestamp not null,
    primary key (predecessor_code, successor_code)
);

-- Maintained from units and unit_lineage whenever either changes (reporting/lineage.py), so no
-- query walks the tree at run time. One row per (history, ancestor, unit):
--   history 'reported': the registry's tree as the units reported (a unit is its own ancestor);
--   history 'today': today's tree, with every unit closed by a merger or split mapped, with its
--   share, into the units that succeeded it (mapped = true), and so into their ancestors.
create table unit_map (
    history        varchar not null check (history in ('reported', 'today')),
    ancestor_code  varchar not null,
    unit_code      varchar not null,
    share          double not null,
    depth          integer not null,     -- of the unit (for a mapped unit: of its successor) below the ancestor
    mapped         boolean not null      -- true: the unit reaches the ancestor through the lineage
);
