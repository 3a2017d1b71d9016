"""One image through one model: the Ctx every Inside view draws from (the Inside page and the tour)."""

from __future__ import annotations

import numpy as np

from alexnet_core.weights.source import Loaded
from ui import cache as shape_cache
from ui.inside import cache
from ui.inside.views import Ctx, holding


def build(loaded: Loaded, image_key: str, image: np.ndarray, size: int) -> Ctx:
    """Raises ShapeError when the network cannot take ``size``."""
    spec = loaded.spec
    shapes = {s.label: s for s in shape_cache.shapes(spec, size)}
    prep, cap, stats = cache.capture(loaded, image_key, image, size)
    thumb, shown_png = cache.display("|".join((image_key, *prep.steps)), size, spec.in_channels, image, prep.shown)
    return Ctx(spec, loaded.source, image_key, size, holding(loaded.model), loaded.classes, prep, holding(cap),
               stats, shapes, thumb, shown_png)
