"""Read side: catalog, periods, units, the DuckDB store and its named queries."""
