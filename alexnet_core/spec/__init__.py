"""The network description: types, JSON parsing with limits, permalinks, the preset registry."""
