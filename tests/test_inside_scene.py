"""The Inside pictures a layer switch redraws (feature-map grid, receptive field) as Scenes: the pixels
are the maps' values on the activation scale, the box is the unit's receptive field."""

import base64
import io
import re

import numpy as np
import torch
from PIL import Image
from plotly.colors import sequential

from alexnet_core.arch.build import build_model
from alexnet_core.arch.shapes import trace
from alexnet_core.figures import inside_scene as S
from alexnet_core.figures import style
from alexnet_core.figures.inside import per_map_scaled, thumbnail
from alexnet_core.figures.scene import Picture, Rect, Text, to_png, to_svg
from alexnet_core.inside import activations as A
from alexnet_core.inside import images
from alexnet_core.inside.activations import Box
from alexnet_core.spec import presets


def pixels(p: Picture) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(p.data)).convert("RGBA"))


def hex_rgb(c: str) -> list[int]:
    return [int(c[i:i + 2], 16) for i in (1, 3, 5)]


def test_the_colour_scale_is_plotlys_viridis_end_to_end():
    stops = getattr(sequential, style.HEATMAP)
    got = S.colourise(np.array([0.0, 1.0, np.nan, -3.0, 7.0, 1 / 9]))
    assert got[0].tolist() == hex_rgb(stops[0]) and got[1].tolist() == hex_rgb(stops[-1])
    assert got[2].tolist() == got[3].tolist() == hex_rgb(stops[0]) and got[4].tolist() == hex_rgb(stops[-1])
    assert got[5].tolist() == hex_rgb(stops[1])  # the second of ten evenly spaced stops


def grid_tiles(scene, n: int, h: int, w: int, cols: int) -> list[np.ndarray]:
    """Each tile's pixels, cut from its row's picture (a clear pixel between tiles; the row as wide as its tiles)."""
    rows = [it for it in scene.items if isinstance(it, Picture)][:-1]  # the last one is the colour bar
    assert len(rows) == -(-n // cols)
    out = []
    for i in range(n):
        strip = pixels(rows[i // cols])
        assert strip.shape[1] == min(cols, n - i // cols * cols) * (w + 1) - 1
        c = i % cols
        assert (strip[:, c * (w + 1) - 1, 3] == 0).all() if c else True
        assert (strip[:, c * (w + 1):c * (w + 1) + w, 3] == 255).all()
        out.append(strip[:h, c * (w + 1):c * (w + 1) + w, :3])
    return out


def test_each_tile_shows_its_map_under_its_channel_per_map_and_shared():
    rng = np.random.default_rng(3)
    maps = (rng.random((11, 6, 7)) * 10 - 2).astype(np.float32)
    maps[4] = 1.5  # a constant map shows as the scale's low end
    chans = [9, 3, 1, 0, 2, 5, 4, 8, 7, 6, 10]
    scene = S.feature_grid_scene(maps, chans, shared_scale=False, cols=4)
    assert [t.body for t in scene.items if isinstance(t, Text) and t.body.startswith("ch ")] == [f"ch {c}" for c in chans]
    for tile, m in zip(grid_tiles(scene, 11, 6, 7, 4), maps, strict=True):
        np.testing.assert_array_equal(tile, S.colourise(per_map_scaled(m[None])[0]))
    tips = [it.title for it in scene.items if isinstance(it, Rect) and it.title]
    assert tips[0] == f"ch 9: min {maps[0].min():.3g}, max {maps[0].max():.3g}" and len(tips) == 11

    shared = S.feature_grid_scene(maps, chans, shared_scale=True, cols=4)
    lo, hi = maps.min(), maps.max()
    for tile, m in zip(grid_tiles(shared, 11, 6, 7, 4), maps, strict=True):
        np.testing.assert_array_equal(tile, S.colourise((m.astype(np.float64) - lo) / (hi - lo)))
    ends = {t.body for t in shared.items if isinstance(t, Text)}
    assert f"{lo:.3g}" in ends and f"{hi:.3g}" in ends


def test_the_receptive_field_box_is_the_units_on_the_drawn_input():
    spec = presets.get("torchvision").spec
    shapes = trace(spec, 224)
    box = A.rf_box(shapes, "conv2", 0, 26)  # a corner unit: its field is clipped at the image's edge
    img = np.zeros((224, 224, 3), np.uint8)
    scene = S.rf_scene(S.png(img), 224, 224, box, "receptive field of conv2[0, 26]")
    pic, rect = scene.items[1], scene.items[2]
    k = pic.w / 224
    assert (pic.w, pic.h) == (S.RF_SIDE, S.RF_SIDE) and pixels(pic).shape[:2] == (224, 224)
    np.testing.assert_allclose((rect.x, rect.y - pic.y, rect.w, rect.h),
                               (box.x0 * k, box.y0 * k, (box.x1 - box.x0) * k, (box.y1 - box.y0) * k), rtol=1e-12)
    assert box.x1 == 224 and box.y0 == 0 and rect.stroke == style.HIGHLIGHT


def test_a_picture_and_an_outline_render_in_svg_and_png():
    img = np.zeros((10, 20, 3), np.uint8)
    img[:, 10:] = (0, 255, 0)
    scene = S.rf_scene(S.png(img), 10, 20, Box(0, 0, 10, 10), "t")
    svg = to_svg(scene)
    href = re.search(r'<image [^>]*href="data:image/png;base64,([^"]+)"', svg).group(1)
    assert base64.b64decode(href) == S.png(img)
    assert 'stroke="#D62728"' in svg
    out = np.asarray(Image.open(io.BytesIO(to_png(scene, scale=1))).convert("RGB"))
    top = scene.items[1].y
    k = S.RF_SIDE / 20
    assert out[int(top + 5 * k), int(15 * k)].tolist() == [0, 255, 0]  # the picture, outside the box
    assert out[int(top + 5 * k), 0].tolist() == hex_rgb(style.HIGHLIGHT)  # the outline, at the box's edge
    inside = out[int(top + 5 * k), int(5 * k)]  # black under a 15% red fill
    assert 25 <= inside[0] <= 40 and inside[1] < 10


def test_the_grid_of_a_real_capture_is_its_most_active_channels():
    spec = presets.get("small_input").spec
    torch.manual_seed(0)
    model = build_model(spec)
    cap = A.capture(model, torch.randn(1, spec.in_channels, 64, 64))
    t = cap.outputs["conv1"]
    chans = A.top_channels(t, 8)
    small = A.downsample(t[chans], 48).numpy()
    scene = S.feature_grid_scene(small, chans, shared_scale=False, cols=8)
    labels = [int(t.body[3:]) for t in scene.items if isinstance(t, Text) and t.body.startswith("ch ")]
    means = A.channel_means(t)
    assert labels == chans and all(means[a] >= means[b] for a, b in zip(labels[:-1], labels[1:], strict=True))


def test_the_input_photo_travels_as_jpeg_and_draws_in_both_formats():
    yy, xx = np.mgrid[0:64, 0:96]
    img = np.stack([xx * 2, yy * 3, np.full_like(xx, 128)], axis=-1).astype(np.uint8)  # smooth, like a photo
    jpg = S.photo(img)
    real = thumbnail(images.builtin("photo: china (scikit-learn)"), 224)
    assert jpg[:2] == b"\xff\xd8" and len(S.photo(real)) < len(S.png(real)) / 3
    scene = S.rf_scene(jpg, 64, 96, Box(0, 0, 8, 8), "t")
    assert scene.items[1].mime == "image/jpeg" and 'href="data:image/jpeg;base64,' in to_svg(scene)
    out = np.asarray(Image.open(io.BytesIO(to_png(scene, scale=1))).convert("RGB")).astype(int)
    k = S.RF_SIDE / 96
    y, x = int(scene.items[1].y + 40 * k), int(60 * k)
    assert np.abs(out[y, x] - img[40, 60]).max() <= 12  # the photo, within JPEG's error


def test_one_or_two_maps_stay_tile_sized():
    maps = np.random.default_rng(0).random((2, 13, 13)).astype(np.float32)
    scene = S.feature_grid_scene(maps, [4, 7], shared_scale=False)
    tiles = [it for it in scene.items if isinstance(it, Picture)][0]
    assert tiles.h == S.MAX_TILE and tiles.w == S.MAX_TILE * (2 * 14 - 1) / 13
    assert scene.width < S.GRID_WIDTH
