-- Schema version 3: the audit log. One row per action, written in the action's own transaction.
create sequence audit_seq start 1;

create table audit_log (
    audit_id       bigint primary key default nextval('audit_seq'),
    logged_at      timestamp not null,
    actor          varchar not null,     -- who: a user name, "cli:<login>", "demo"
    action         varchar not null,     -- loaded, replaced, unchanged, rejected, registry, targets, backup, restore
    file_name      varchar,
    sha256         varchar,
    unit_code      varchar,
    period         varchar,
    submission_id  integer,
    replaced_id    integer,              -- the version this one superseded
    detail         varchar
);
