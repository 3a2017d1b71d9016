"""Export page glue."""
