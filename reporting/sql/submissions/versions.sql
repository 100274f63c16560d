-- grain: one row per received version of a return of $unit's subtree whose period lies within [$start, $end];
-- with $whole_store also versions whose unit is missing or unknown (only the top of the tree sees those).
with final as (
    select
        s.submission_id,
        s.unit_code,
        coalesce(u.name, s.unit_code) as unit_name,
        s.period,
        s.received_at,
        s.file_name,
        s.status,
        s.superseded_by is not null as superseded,
        s.superseded_by,
        coalesce(f.errors, 0) as errors,
        coalesce(f.warnings, 0) as warnings
    from submissions as s
    left join units as u on u.code = s.unit_code
    left join finding_counts as f using (submission_id)
    where s.period_start >= $start
      and s.period_end <= $end
      and (
          s.unit_code in (select unit_code from unit_closure where ancestor_code = $unit)
          or ($whole_store and (s.unit_code is null or u.code is null))
      )
)

select * from final
order by received_at desc, submission_id desc
