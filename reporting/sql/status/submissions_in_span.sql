-- grain: one row per received version of a return whose period lies within [$start, $end].
select
    submission_id,
    unit_code,
    period,
    period_start,
    period_end,
    status,
    superseded_by,
    received_at,
    file_name
from submissions
where period_start >= $start
  and period_end <= $end
order by unit_code, period_start, submission_id
