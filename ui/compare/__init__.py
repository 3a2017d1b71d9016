"""Compare page glue."""
