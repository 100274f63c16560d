-- grain: one row per finding of submission $submission_id, in the order the check made them.
select severity, sheet, cell, rule, message
from findings
where submission_id = $submission_id
order by position
