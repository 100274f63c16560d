-- grain: one row per fact about the store (e.g. demo = 'true').
select key, value from store_meta
