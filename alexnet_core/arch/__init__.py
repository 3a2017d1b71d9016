"""From a spec to shapes, modules, tables and explanations."""
