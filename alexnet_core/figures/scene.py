"""A chart as a few drawn shapes (a Scene), and two renderers: inline SVG for the page, PNG for slides.

Why not plotly: every data change costs the browser 40-60 ms of plotly.js, and a rerun must show within
100-150 ms; a Scene's inline SVG of a few dozen elements costs about a millisecond. Why not kaleido or
cairo: the PNG download must work on any server, so ``to_png`` draws the same shapes with Pillow alone.

Coordinates are SVG user units (y down), with text ``y`` at its baseline as in SVG. The SVG goes into
the page through Streamlit's markdown, so it is one line, with no blank line, ``<style>`` or ``<script>``.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

from alexnet_core.figures import style

Anchor = Literal["start", "middle", "end"]
FONT_FAMILY = "sans-serif"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    opacity: float = 1.0
    title: str | None = None  # the tooltip (SVG <title>)
    stroke: str | None = None  # an outline of this colour, ``stroke_width`` wide, drawn inside the box
    stroke_width: float = 0.0


@dataclass(frozen=True)
class Picture:
    """A raster image (PNG or JPEG bytes) stretched over a box: pixels stay square blocks unless ``smooth``."""
    x: float
    y: float
    w: float
    h: float
    data: bytes  # PNG, or JPEG: a photograph is a fifth of the bytes
    smooth: bool = False
    title: str | None = None

    @property
    def mime(self) -> str:
        return "image/jpeg" if self.data[:2] == b"\xff\xd8" else "image/png"


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    colour: str = style.INK
    width: float = 1.0


@dataclass(frozen=True)
class Polyline:
    points: tuple[tuple[float, float], ...]
    colour: str = style.INK
    width: float = 1.0


@dataclass(frozen=True)
class Circle:
    cx: float
    cy: float
    r: float
    fill: str
    title: str | None = None


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # the baseline
    body: str
    anchor: Anchor = "start"
    colour: str = style.INK
    size: float = 12
    rotate: float = 0.0  # degrees, clockwise on screen, about (x, y)


Item = Rect | Picture | Line | Polyline | Circle | Text


@dataclass(frozen=True)
class Scene:
    width: int
    height: int
    items: tuple[Item, ...]
    label: str  # what a screen reader announces (aria-label)


# ---------------------------------------------------------------- measuring


@lru_cache(maxsize=32)
def _font(size_px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size_px)


def text_width(body: str, size: float = 12) -> float:
    """About how wide ``body`` is drawn at ``size`` (Pillow's sans-serif, close to a browser's)."""
    return _font(max(1, round(size * 4))).getlength(body) / 4


# ---------------------------------------------------------------- SVG


def _n(v: float) -> str:
    """A coordinate with at most one decimal and no trailing zero: short SVG."""
    s = f"{v:.1f}"
    return s[:-2] if s.endswith(".0") else s


def _title(title: str | None) -> str:
    return f"<title>{escape(title)}</title>" if title else ""


def _svg_item(it: Item) -> str:
    if isinstance(it, Rect):
        op = f' fill-opacity="{it.opacity:g}"' if it.opacity < 1 else ""
        if it.stroke and it.stroke_width > 0:
            sw = it.stroke_width
            op += f' stroke="{it.stroke}" stroke-width="{sw:g}"'
            if min(it.w, it.h) >= 2 * sw:  # inset by half the width, so the outline stays inside the box; a
                it = Rect(it.x + sw / 2, it.y + sw / 2, it.w - sw, it.h - sw, it.fill, it.opacity,  # smaller box
                          it.title)  # keeps its outline centred on its edge, rather than vanish
        head = f'<rect x="{_n(it.x)}" y="{_n(it.y)}" width="{_n(it.w)}" height="{_n(it.h)}" fill="{it.fill}"{op}'
        return f"{head}>{_title(it.title)}</rect>" if it.title else f"{head}/>"
    if isinstance(it, Picture):
        pix = "" if it.smooth else ' style="image-rendering:pixelated"'
        head = (f'<image x="{_n(it.x)}" y="{_n(it.y)}" width="{_n(it.w)}" height="{_n(it.h)}" '
                f'preserveAspectRatio="none"{pix} href="data:{it.mime};base64,{base64.b64encode(it.data).decode()}"')
        return f"{head}>{_title(it.title)}</image>" if it.title else f"{head}/>"
    if isinstance(it, Line):
        return (f'<line x1="{_n(it.x1)}" y1="{_n(it.y1)}" x2="{_n(it.x2)}" y2="{_n(it.y2)}" '
                f'stroke="{it.colour}" stroke-width="{it.width:g}"/>')
    if isinstance(it, Polyline):
        pts = " ".join(f"{_n(x)},{_n(y)}" for x, y in it.points)
        return (f'<polyline points="{pts}" fill="none" stroke="{it.colour}" stroke-width="{it.width:g}" '
                f'stroke-linejoin="round"/>')
    if isinstance(it, Circle):
        head = f'<circle cx="{_n(it.cx)}" cy="{_n(it.cy)}" r="{_n(it.r)}" fill="{it.fill}"'
        return f"{head}>{_title(it.title)}</circle>" if it.title else f"{head}/>"
    turn = f' transform="rotate({it.rotate:g} {_n(it.x)} {_n(it.y)})"' if it.rotate else ""
    return (f'<text x="{_n(it.x)}" y="{_n(it.y)}" text-anchor="{it.anchor}" fill="{it.colour}" '
            f'font-size="{it.size:g}"{turn}>{escape(it.body)}</text>')


INLINE_MAX = 1.25  # how far past its own width an inline chart may grow


def to_svg(scene: Scene, *, standalone: bool = False) -> str:
    """The scene as one line of ``<svg>``. Inline (default) it scales to its container's width; a
    ``standalone`` file (a download for slides) has a fixed size and a white background, like the PNG."""
    # Inline it follows its column's width up to 1.25x its own: a wide page drew the per-layer bars 700 px tall.
    size = (f'width="{scene.width}" height="{scene.height}"' if standalone
            else f'width="100%" style="max-width:{round(scene.width * INLINE_MAX)}px"')
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {scene.width} {scene.height}" {size} '
            f'role="img" aria-label="{escape(scene.label)}" font-family="{FONT_FAMILY}">')
    back = f'<rect width="{scene.width}" height="{scene.height}" fill="white"/>' if standalone else ""
    return head + back + "".join(_svg_item(it) for it in scene.items) + "</svg>"


# ---------------------------------------------------------------- PNG


def _rgba(colour: str, opacity: float = 1.0) -> tuple[int, int, int, int]:
    r, g, b = (int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return r, g, b, round(255 * opacity)


_ANCHOR = {"start": "ls", "middle": "ms", "end": "rs"}  # Pillow's anchors at the baseline


# Pillow's bundled font has no glyph for these (it draws a box): the PNG says them in ASCII, the SVG as they are.
_ASCII = str.maketrans({"×": "x", "–": "-", "—": "-", "≤": "<=", "≥": ">=", "✎": "*", "−": "-"})


def _draw_text(img: Image.Image, it: Text, s: float) -> None:
    it = Text(it.x, it.y, it.body.translate(_ASCII), it.anchor, it.colour, it.size, it.rotate)
    font = _font(max(1, round(it.size * s)))
    x, y = it.x * s, it.y * s
    if not it.rotate:
        ImageDraw.Draw(img, "RGBA").text((x, y), it.body, fill=_rgba(it.colour), font=font,
                                         anchor=_ANCHOR[it.anchor])
        return
    # Drawn about the centre of a transparent square, turned there, and pasted so the centre lands on (x, y).
    half = int(font.getlength(it.body) + font.size) + 2
    tile = Image.new("RGBA", (2 * half, 2 * half), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text((half, half), it.body, fill=_rgba(it.colour), font=font, anchor=_ANCHOR[it.anchor])
    tile = tile.rotate(-it.rotate, resample=Image.Resampling.BICUBIC, center=(half, half))
    img.paste(tile, (round(x) - half, round(y) - half), tile)


def _draw(img: Image.Image, it: Item, s: float) -> None:
    draw = ImageDraw.Draw(img, "RGBA")  # RGBA fills blend over what is there: fill-opacity
    if isinstance(it, Rect):
        if it.w > 0 and it.h > 0:
            x0, y0 = it.x * s, it.y * s  # Pillow's box includes its far edge: one pixel less, at least one drawn
            box = (x0, y0, max(x0, (it.x + it.w) * s - 1), max(y0, (it.y + it.h) * s - 1))
            width = round(it.stroke_width * s) if it.stroke else 0
            draw.rectangle(box, fill=_rgba(it.fill, it.opacity), outline=_rgba(it.stroke) if width else None,
                           width=width)
    elif isinstance(it, Picture):
        size = (max(1, round(it.w * s)), max(1, round(it.h * s)))
        pic = Image.open(io.BytesIO(it.data)).convert("RGBA").resize(
            size, Image.Resampling.BILINEAR if it.smooth else Image.Resampling.NEAREST)
        img.paste(pic, (round(it.x * s), round(it.y * s)), pic)  # its alpha as the mask: clear pixels stay
    elif isinstance(it, Line):
        draw.line([(it.x1 * s, it.y1 * s), (it.x2 * s, it.y2 * s)], fill=_rgba(it.colour),
                  width=max(1, round(it.width * s)))
    elif isinstance(it, Polyline):
        draw.line([(x * s, y * s) for x, y in it.points], fill=_rgba(it.colour),
                  width=max(1, round(it.width * s)), joint="curve")
    elif isinstance(it, Circle):
        r = it.r * s
        draw.ellipse((it.cx * s - r, it.cy * s - r, it.cx * s + r, it.cy * s + r), fill=_rgba(it.fill))
    else:
        _draw_text(img, it, s)


def to_image(scene: Scene, scale: float = 2) -> Image.Image:
    """The scene drawn by Pillow, ``scale`` pixels per SVG unit, on white (no kaleido, no cairo)."""
    img = Image.new("RGB", (round(scene.width * scale), round(scene.height * scale)), "white")
    for it in scene.items:
        _draw(img, it, scale)
    return img


def to_png(scene: Scene, scale: float = 2) -> bytes:
    """The scene as PNG bytes (``to_image``)."""
    img = to_image(scene, scale)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


MIMES = {"png": "image/png", "svg": "image/svg+xml"}


def encode(scene: Scene, fmt: Literal["png", "svg"], scale: float = 2) -> tuple[bytes, str]:
    """(file bytes, MIME type) of a chart download in the session's format."""
    if fmt == "svg":
        return to_svg(scene, standalone=True).encode(), MIMES[fmt]
    return to_png(scene, scale), MIMES[fmt]
