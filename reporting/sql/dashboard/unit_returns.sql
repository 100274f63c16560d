-- grain: one row per version received from $unit, or from the reporting unit whose return carries it.
-- That unit is the nearest reporting unit at or above $unit in the registry's tree, as the checks
-- demand of every return's branch rows (a look-up among branch rows would scan them all).
with owner as (
    select coalesce(
        (select m.ancestor_code
         from unit_map as m
         join unit_map as a
             on a.history = 'reported' and a.ancestor_code = m.ancestor_code and a.depth = 0 and a.sends
         where m.history = 'reported' and m.unit_code = $unit
         order by m.depth
         limit 1),
        $unit
    ) as code
)

select
    s.submission_id,
    s.period,
    s.period_start,
    s.received_at,
    s.file_name,
    s.status,
    s.superseded_by,
    coalesce(c.errors, 0) as errors,
    coalesce(c.warnings, 0) as warnings
from submissions as s
left join finding_counts as c using (submission_id)
where s.unit_code = (select code from owner)
order by s.period_start desc, s.submission_id desc
