-- grain: one row per audited action on units in $unit's subtree, latest first; with $whole_store also
-- actions on the store as a whole (registry, backups, accounts, sign-ins) and on unknown units.
select
    a.logged_at,
    a.actor,
    a.action,
    a.file_name,
    a.unit_code,
    coalesce(u.name, a.unit_code) as unit_name,
    a.period,
    a.submission_id,
    a.replaced_id,
    a.detail
from audit_log as a
left join units as u on u.code = a.unit_code
where a.unit_code in (select unit_code from unit_closure where ancestor_code = $unit)
   or ($whole_store and (a.unit_code is null or u.code is null))
order by a.audit_id desc
limit $limit
