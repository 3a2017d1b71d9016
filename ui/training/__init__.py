"""Training page glue."""
