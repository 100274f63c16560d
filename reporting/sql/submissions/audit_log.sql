-- grain: one row per audited action on units in $unit's subtree or on the store as a whole, latest first.
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
where a.unit_code is null
   or a.unit_code in (select unit_code from unit_closure where ancestor_code = $unit)
order by a.audit_id desc
limit $limit
