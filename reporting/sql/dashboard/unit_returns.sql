-- grain: one row per version received from $unit, or from the reporting unit whose return carries it.
with owner as (
    select coalesce(
        (select s.unit_code from submission_values as v join submissions as s using (submission_id)
         where v.unit_code = $unit limit 1),
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
