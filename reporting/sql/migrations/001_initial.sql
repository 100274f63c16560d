-- Schema version 1: registry, targets, catalog mirror, archive, submissions and their values.

create table units (
    code          varchar primary key,   -- authoritative; names are not
    name          varchar not null,      -- NFC-normalized, trimmed
    org_type      varchar not null,      -- stored, never inferred from depth
    parent_code   varchar,               -- null for the root
    active_from   date,
    active_to     date,
    updated_at    timestamp not null
);

-- One row per unit and year. A target is issued either as a count or as a
-- percent of the members at the start of the year; both the basis and the
-- resolved count are kept.
create table targets (
    unit_code         varchar not null,
    year              integer not null,
    basis             varchar not null check (basis in ('count', 'percent')),
    basis_value       double  not null,
    admission_target  integer,            -- resolved count; null until opening members are known
    opening_members   integer,            -- the members a percent target was applied to
    updated_at        timestamp not null,
    primary key (unit_code, year)
);

-- Mirror of reporting/catalog.py, rewritten on every open so SQL can join labels and kinds.
create table metrics (
    code        varchar primary key,
    label       varchar not null,
    sheet       varchar not null,
    sheet_name  varchar not null,
    level       varchar not null,
    kind        varchar not null,
    unit        varchar not null,
    minimum     double,
    maximum     double,
    appears     varchar not null,
    required    boolean not null,
    position    integer not null
);

-- Original bytes of every file ever received, by content hash.
create table archive (
    sha256           varchar primary key,
    size             bigint not null,
    path             varchar not null,    -- relative to the archive folder
    first_file_name  varchar not null,
    stored_at        timestamp not null
);

create sequence submission_seq start 1;

-- Every version of every return, accepted or not. The current version of a
-- unit and period is the accepted one with superseded_by null.
create table submissions (
    submission_id     integer primary key default nextval('submission_seq'),
    unit_code         varchar,            -- null when the file said no readable unit
    period            varchar,            -- period code, e.g. 2026-Q3
    period_kind       varchar,
    period_start      date,
    period_end        date,
    file_name         varchar not null,
    sha256            varchar not null,
    received_at       timestamp not null,
    status            varchar not null check (status in ('accepted', 'warnings', 'rejected')),
    superseded_by     integer,
    superseded_at     timestamp,
    template_version  integer,
    loaded_by         varchar not null
);

create table findings (
    submission_id  integer not null,
    position       integer not null,
    severity       varchar not null check (severity in ('error', 'warning')),
    sheet          varchar,
    cell           varchar,
    rule           varchar not null,
    message        varchar not null
);

-- The figures of accepted versions; rejected files never get rows here.
-- Branch rows carry the branch's code in unit_code.
create table submission_values (
    submission_id  integer not null,
    unit_code      varchar not null,
    metric         varchar not null,
    value          double  not null,
    primary key (submission_id, unit_code, metric)
);

-- Facts about the store itself, e.g. demo = 'true' for the illustrative store.
create table store_meta (
    key    varchar primary key,
    value  varchar not null
);
