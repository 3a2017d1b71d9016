"""The Architecture page's SVG charts carry exactly the summary's numbers, and their PNGs show the bars."""

import io
import re
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from alexnet_core.arch.table import analytic_summary
from alexnet_core.figures import arch_scene, scene
from alexnet_core.figures.scene import Rect, Text
from alexnet_core.format import fmt_short
from alexnet_core.spec import presets

SVG = "{http://www.w3.org/2000/svg}"
PRESETS = presets.ids()


def summary_of(vid):
    v = presets.get(vid)
    return analytic_summary(v.spec, v.input_size)


def tooltips(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # well-formed XML
    return [r.find(f"{SVG}title").text for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]


def counts(tips: list[str], pattern: str) -> list[int]:
    return [int(m.group(1).replace(",", "")) for t in tips if (m := re.search(pattern, t))]


def png(sc) -> Image.Image:
    img = Image.open(io.BytesIO(scene.to_png(sc, 2)))
    assert img.format == "PNG" and img.size == (sc.width * 2, sc.height * 2)
    img = img.convert("RGB")
    assert len(img.getcolors(1 << 20)) > 1  # not blank
    return img


def centre_pixel(img: Image.Image, r: Rect) -> tuple[int, int, int]:
    return img.getpixel((round((r.x + r.w / 2) * 2), round((r.y + r.h / 2) * 2)))


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


@pytest.mark.parametrize("vid", PRESETS)
def test_layer_bars_carry_every_parameter_and_mult_add(vid):
    s = summary_of(vid)
    tips = tooltips(scene.to_svg(arch_scene.params_macs_scene(s)))
    assert sum(counts(tips, r": ([\d,]+) parameters$")) == s.total_params
    assert sum(counts(tips, r": ([\d,]+) mult-adds$")) == s.mult_adds
    names = [r.name for r in arch_scene.weighted_layers(s)]
    assert [t.split(":")[0] for t in tips] == names + names  # one bar per weighted layer in each panel


@pytest.mark.parametrize("vid", PRESETS)
def test_layer_names_sit_under_the_bars(vid):
    s = summary_of(vid)
    sc = arch_scene.params_macs_scene(s)
    bars = [r for r in sc.items if isinstance(r, Rect) and r.title]
    names = {r.name for r in arch_scene.weighted_layers(s)}
    labels = [t for t in sc.items if isinstance(t, Text) and t.body in names]
    assert len(labels) == len(bars)
    for bar, label in zip(bars, labels, strict=True):
        assert label.body == bar.title.split(":")[0]
        assert label.y > bar.y + bar.h and bar.x <= label.x <= bar.x + bar.w + 4


@pytest.mark.parametrize("vid", PRESETS)
def test_share_bars_split_the_totals_and_print_the_summary_shares(vid):
    s = summary_of(vid)
    svg = scene.to_svg(arch_scene.share_scene(s))
    tips = tooltips(svg)
    assert sum(counts(tips, r"^parameters, .*: ([\d,]+) of")) == s.total_params
    assert sum(counts(tips, r"^mult-adds, .*: ([\d,]+) of")) == s.mult_adds
    assert counts(tips, r"^parameters, classifier & rest: ([\d,]+)") == [s.classifier_params]
    assert counts(tips, r"^mult-adds, convolutions: ([\d,]+)") == [s.conv_mult_adds]
    root = ET.fromstring(svg)
    printed = [float(t.text[:-1]) for t in root.iter(f"{SVG}text") if re.fullmatch(r"\d+\.\d%", t.text)]
    expected = [1 - s.classifier_param_share, s.classifier_param_share,
                s.conv_mult_add_share, 1 - s.conv_mult_add_share]
    assert len(printed) == 4
    assert all(abs(p - 100 * e) <= 0.05 + 1e-9 for p, e in zip(printed, expected, strict=True))


@pytest.mark.parametrize("vid", PRESETS)
def test_pngs_show_the_bars_in_their_colours(vid):
    s = summary_of(vid)
    for sc, colours in ((arch_scene.params_macs_scene(s), {arch_scene.PARAM_COLOUR, arch_scene.MACS_COLOUR}),
                        (arch_scene.share_scene(s), {arch_scene.CONV_COLOUR, arch_scene.REST_COLOUR})):
        img = png(sc)
        bars = [r for r in sc.items if isinstance(r, Rect) and r.title and r.w > 8 and r.h > 8]
        assert {r.fill for r in bars} == colours
        for r in bars:  # a corner, away from any label printed inside the bar
            assert img.getpixel((round(r.x * 2) + 3, round((r.y + r.h) * 2) - 3)) == rgb(r.fill)


@pytest.mark.parametrize(("n", "text"), [(37752832, "37.8M"), (20_000_000, "20M"), (1135915368, "1.14G"),
                                         (224088768, "224M"), (34944, "34.9k"), (192, "192"), (0, "0"),
                                         (999_500, "1M"), (999_499, "999k"), (999.6, "1k"), (2.5e12, "2.5T")])
def test_short_numbers_round_before_the_unit(n, text):
    assert fmt_short(n) == text
