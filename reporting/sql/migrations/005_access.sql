-- Schema version 5: accounts, sign-in attempts and period locks (sign-in and unit-scoped access).

create table users (
    username            varchar primary key,    -- lower case; an e-mail address for identity-provider users
    display_name        varchar not null,
    role                varchar not null check (role in ('viewer', 'clerk', 'admin')),
    unit_code           varchar not null,       -- the scope: this unit and its subtree
    password_hash       varchar,                -- argon2id; null: signs in through the identity provider only
    active              boolean not null default true,
    created_at          timestamp not null,
    password_changed_at timestamp               -- sessions older than this end
);

create sequence sign_in_seq start 1;

create table sign_in_attempts (
    attempt_id   bigint primary key default nextval('sign_in_seq'),
    username     varchar not null,   -- as typed (lower-cased), whether or not such an account exists
    attempted_at timestamp not null,
    ok           boolean not null,
    source       varchar             -- the client's address as the server saw it
);

create sequence lock_seq start 1;

create table period_locks (
    lock_id      bigint primary key default nextval('lock_seq'),
    unit_code    varchar not null,   -- the lock covers this unit's subtree
    period       varchar not null,   -- a quarter ("2026-Q2") or a year ("2026"): returns inside it are locked
    locked_by    varchar not null,
    locked_at    timestamp not null,
    reason       varchar,
    unlocked_by  varchar,
    unlocked_at  timestamp
);
