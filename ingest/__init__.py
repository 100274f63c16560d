"""Write side: registry, return template, reading, checking and loading returns."""
