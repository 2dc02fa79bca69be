"""Performance benchmark (not part of the unit tests; see scripts/bench)."""
