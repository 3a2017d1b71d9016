"""Inside page glue."""
