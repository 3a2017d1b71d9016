"""Scenes render to well-formed one-line SVG and to a PNG of the right size that shows what was drawn."""

import io
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from alexnet_core.arch.table import analytic_summary
from alexnet_core.figures import flow_svg, scene
from alexnet_core.figures.scene import Circle, Line, Polyline, Rect, Scene, Text
from alexnet_core.spec import presets

SVG = "{http://www.w3.org/2000/svg}"


def png(sc: Scene, scale: float = 2) -> Image.Image:
    img = Image.open(io.BytesIO(scene.to_png(sc, scale)))
    assert img.format == "PNG"
    return img.convert("RGB")


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


SAMPLE = Scene(200, 100, (
    Rect(10, 10, 40, 30, "#4C78A8", title='a <b> & "c"'),
    Rect(60, 10, 40, 30, "#4C78A8", 0.5),
    Line(0, 90, 200, 90, "#222222", 2),
    Polyline(((110, 80), (150, 20), (190, 80)), "#F58518", 3),
    Circle(150, 60, 6, "#E45756", "a point"),
    Text(100, 70, "centred", "middle", size=14),
    Text(20, 85, "turned", rotate=-90),
), "a sample")


def test_svg_is_one_well_formed_line_with_escaped_tooltips():
    out = scene.to_svg(SAMPLE)
    assert "\n" not in out and "<style" not in out and "<script" not in out
    root = ET.fromstring(out)
    assert root.get("viewBox") == "0 0 200 100" and root.get("width") == "100%"
    assert root.get("aria-label") == "a sample"
    assert [t.text for t in root.iter(f"{SVG}title")] == ['a <b> & "c"', "a point"]
    turned = [t for t in root.iter(f"{SVG}text") if t.text == "turned"][0]
    assert turned.get("transform") == "rotate(-90 20 85)"


def test_standalone_svg_has_a_size_and_a_white_page():
    root = ET.fromstring(scene.to_svg(SAMPLE, standalone=True))
    assert (root.get("width"), root.get("height")) == ("200", "100")
    assert root.find(f"{SVG}rect").get("fill") == "white"


@pytest.mark.parametrize("scale", [1, 2, 3])
def test_png_has_the_scaled_size_and_the_drawn_colours(scale):
    img = png(SAMPLE, scale)
    assert img.size == (200 * scale, 100 * scale)
    assert img.getpixel((30 * scale, 25 * scale)) == rgb("#4C78A8")  # an opaque rect
    half = img.getpixel((80 * scale, 25 * scale))  # half opacity over white: halfway to white
    assert all(abs(h - (c + 255) / 2) <= 2 for h, c in zip(half, rgb("#4C78A8"), strict=True))
    assert img.getpixel((150 * scale, 60 * scale)) == rgb("#E45756")  # the circle's centre
    assert img.getpixel((5 * scale, 5 * scale)) == (255, 255, 255)
    assert len(img.getcolors(1 << 20)) > 5  # text is antialiased: many shades


def test_rotated_text_is_drawn_upwards_from_its_anchor():
    sc = Scene(100, 100, (Text(50, 90, "a label here", rotate=-90, size=14, colour="#000000"),), "t")
    img = png(sc)
    dark = [(x, y) for x in range(200) for y in range(200) if img.getpixel((x, y))[0] < 128]
    xs, ys = [p[0] for p in dark], [p[1] for p in dark]
    assert max(ys) <= 181 and min(ys) < 120  # runs up from y=90 (180 px at scale 2)
    assert max(xs) <= 102 and min(xs) > 60  # glyphs sit left of the baseline when turned up


def test_encode_gives_each_format_its_mime_type():
    data, mime = scene.encode(SAMPLE, "svg")
    assert mime == "image/svg+xml" and ET.fromstring(data.decode())
    data, mime = scene.encode(SAMPLE, "png")
    assert mime == "image/png" and Image.open(io.BytesIO(data)).size == (400, 200)


def test_text_width_grows_with_length_and_size():
    assert 0 < scene.text_width("conv1") < scene.text_width("conv1 conv2") < scene.text_width("conv1 conv2", 20)


@pytest.mark.parametrize("vid", presets.ids())
def test_flow_plot_png_shows_its_bars(vid):
    v = presets.get(vid)
    sc = flow_svg.flow_scene(analytic_summary(v.spec, v.input_size))
    assert scene.to_svg(sc) == flow_svg.flow_svg(analytic_summary(v.spec, v.input_size))
    img = png(sc)
    assert img.size == (sc.width * 2, sc.height * 2) and len(img.getcolors(1 << 20)) > 1
    tall = max((r for r in sc.items if isinstance(r, Rect) and r.title), key=lambda r: r.h)
    px = img.getpixel((round((tall.x + 2) * 2), round((tall.y + tall.h - 2) * 2)))  # inside the bar's bottom
    assert px != (255, 255, 255) and px[0] > px[2]  # translucent orange


def test_a_png_says_in_ascii_what_its_font_cannot_draw():
    def ink(body: str) -> int:
        img = Image.open(io.BytesIO(scene.to_png(Scene(80, 20, (Text(2, 15, body, size=14),), "t"), scale=1)))
        return sum(1 for p in img.convert("L").getdata() if p < 128)

    assert ink("11×11") == ink("11x11") and ink("min–max") == ink("min-max")
