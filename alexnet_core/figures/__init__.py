"""Plotly figures, pure functions of core data; one style for all."""
