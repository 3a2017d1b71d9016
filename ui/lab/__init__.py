"""Layer Lab page glue."""
