-- grain: one row per reporting unit in $unit's subtree in the $history view (on today's units:
-- those active on $today, each carrying the returns of the units that merged into it; as
-- reported: those active on some day of [$start, $end]): admissions from 1 January to $end, and
-- regular and weak (average or poor) meetings of its branches within [$start, $end]. The lagging
-- list passes its judged end as $end, the end of the last quarter that is due (reporting/lagging.py),
-- so nothing of a quarter not yet due is judged. The active dates are unit_map's copies of the
-- registry's; names come from the caller's tree (joining the 135,000-row units table took a third
-- of the query at national scale).
with reporting as (
    select m.unit_code as code
    from unit_map as m
    where m.history = $history
      and m.ancestor_code = $unit
      and not m.mapped
      and m.sends  -- a reporting unit; unit_map is stored in (history, sends, ancestor) order
      and case
          when $history = 'today' then active_on(m.active_from, m.active_to, $today)
          else (m.active_from is null or m.active_from <= $end) and (m.active_to is null or m.active_to >= $start)
      end
),

-- the units whose own returns count for each reporting unit: itself, and on today's units its
-- predecessors (their returns carry their branches' rows)
senders as (
    select r.code as reporting_code, m.unit_code as sender_code, m.share
    from reporting as r
    join unit_map as m on m.history = $history and m.ancestor_code = r.code and m.depth = 0 and m.sends
),

-- the quarters of [1 January, $end] that neither $start nor $end cuts (every quarter of a
-- quarter-aligned span), read from the quarter roll-up: a few row groups of four metrics
whole_quarters as (
    select d.reporting_code, d.share, q.metric, q.total as value, q.quarter_start as period_start
    from quarter_figures as q
    join senders as d on d.sender_code = q.unit_code
    where list_contains(['admitted', 'regular_meetings', 'rating_average', 'rating_poor'], q.metric)
      and q.quarter_start >= make_date(year($end), 1, 1)
      and q.quarter_end <= $end
      and not ($start > q.quarter_start and $start <= q.quarter_end)
),

-- a quarter cut by $end or $start (a span of months) from its returns in the roll-up of current
-- returns, where a branch metric is already summed over the return's branches
cut_quarters as (
    select d.reporting_code, d.share, o.metric, o.value, o.period_start
    from current_figures as o
    join senders as d on d.sender_code = o.unit_code
    where o.metric in ('admitted', 'regular_meetings', 'rating_average', 'rating_poor')
      and o.period_end <= $end
      and o.period_start >= make_date(year($end), 1, 1)
      and (
          o.period_start >= after_ended_quarters($end)  -- the quarter $end cuts, if it cuts one
          or (o.period_start >= date_trunc('quarter', $start) and o.period_start < date_trunc('quarter', $start) + interval 3 month
              and $start > date_trunc('quarter', $start))
      )
),

obs as (
    select * from whole_quarters
    union all
    select * from cut_quarters
),

final as (
    select
        r.code,
        cast(coalesce(sum(o.value * o.share) filter (where o.metric = 'admitted'), 0) as double) as admitted_ytd,
        cast(coalesce(sum(o.value * o.share) filter (
            where o.metric = 'regular_meetings' and o.period_start >= $start), 0) as double) as regular_meetings,
        cast(coalesce(sum(o.value * o.share) filter (
            where o.metric in ('rating_average', 'rating_poor') and o.period_start >= $start), 0) as double)
            as weak_meetings
    from reporting as r
    left join obs as o on o.reporting_code = r.code
    group by r.code
)

select * from final
order by code
