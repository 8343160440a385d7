"""A licence drawn for people: an SVG card with its name, fields, validity, the issuer's
seal mark (a red round seal with the issuer's name) and its QR code.

The drawing is for display only; what proves the licence is its sealed JWS and the QR code.
"""

from __future__ import annotations

import math
import re
from typing import Final
from xml.sax.saxutils import escape, quoteattr

from wuzheng.issuance.licences.view import LicenceView

WIDTH: Final = 860
ROW: Final = 30
FIELD_TOP: Final = 170
LABEL_X: Final = 48
VALUE_X: Final = 250
MAX_VALUE_CHARS: Final = 26
SEAL_RED: Final = "#c8102e"


def _text(x: float, y: float, text: str, size: int = 16, **attrs: str) -> str:
    extra = "".join(
        f" {name.replace('_', '-')}={quoteattr(value)}" for name, value in attrs.items()
    )
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}"{extra}>{escape(text)}</text>'


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def seal_mark(cx: float, cy: float, issuer_name: str, radius: float = 70) -> str:
    """A round red seal: the issuer's name along the rim, a star in the middle."""
    parts = [
        f'<g fill="{SEAL_RED}" stroke="{SEAL_RED}" opacity="0.85">',
        f'<circle cx="{cx}" cy="{cy}" r="{radius}" fill="none" stroke-width="4"/>',
    ]
    star = []
    for i in range(10):
        r = radius * (0.28 if i % 2 == 0 else 0.11)
        angle = -math.pi / 2 + i * math.pi / 5
        star.append(f"{cx + r * math.cos(angle):.1f},{cy + r * math.sin(angle):.1f}")
    parts.append(f'<polygon points="{" ".join(star)}" stroke="none"/>')
    chars = list(issuer_name)[:16]
    span = math.radians(220)
    start = -math.pi / 2 - span / 2
    for i, char in enumerate(chars):
        angle = start + span * (i + 0.5) / max(len(chars), 1)
        x = cx + (radius - 17) * math.cos(angle)
        y = cy + (radius - 17) * math.sin(angle)
        rotate = math.degrees(angle) + 90
        parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="15" stroke="none" text-anchor="middle" '
            f'dominant-baseline="central" transform="rotate({rotate:.1f} {x:.1f} {y:.1f})">'
            f"{escape(char)}</text>"
        )
    parts.append("</g>")
    return "".join(parts)


def _nested_svg(svg: str, x: float, y: float, size: float) -> str:
    """The QR SVG document placed as a nested ``<svg>`` at (x, y), scaled to ``size``."""
    match = re.search(r"<svg\b[^>]*>", svg)
    if match is None:
        return ""
    width = re.search(r'width="(\d+(?:\.\d+)?)"', match.group(0))
    height = re.search(r'height="(\d+(?:\.\d+)?)"', match.group(0))
    w = width.group(1) if width else str(size)
    h = height.group(1) if height else str(size)
    inner = svg[match.end() : svg.rfind("</svg>")]
    return (
        f'<svg x="{x}" y="{y}" width="{size}" height="{size}" viewBox="0 0 {w} {h}">{inner}</svg>'
    )


def render_svg(view: LicenceView, qr_svg: str | None) -> str:
    """The licence as a standalone SVG document."""
    footer = FIELD_TOP + ROW * len(view.fields) + 10
    height = footer + 270
    body: list[str] = [
        f'<rect x="8" y="8" width="{WIDTH - 16}" height="{height - 16}" rx="18" '
        'fill="#fffdf6" stroke="#b08d57" stroke-width="3"/>',
        _text(WIDTH / 2, 70, view.type_name, 34, text_anchor="middle", font_weight="bold"),
        _text(WIDTH / 2, 104, f"证照编号 {view.licence_no}", 15, text_anchor="middle", fill="#555"),
        _text(
            WIDTH / 2,
            128,
            f"电子证照标识 {view.licence_id}",
            11,
            text_anchor="middle",
            fill="#777",
            font_family="monospace",
        ),
        f'<line x1="40" y1="145" x2="{WIDTH - 40}" y2="145" stroke="#b08d57"/>',
    ]
    for i, (label, value) in enumerate(view.fields):
        y = FIELD_TOP + 10 + ROW * i
        body.append(_text(LABEL_X, y, label, 15, fill="#444"))
        body.append(_text(VALUE_X, y, _shorten(value), 16))
    body.append(
        _text(
            WIDTH - 48,
            104,
            f"状态：{view.status_name}",
            15,
            text_anchor="end",
            fill="#1a7f37" if view.status == "valid" else SEAL_RED,
        )
    )
    body.append(f'<line x1="40" y1="{footer}" x2="{WIDTH - 40}" y2="{footer}" stroke="#b08d57"/>')
    body.append(_text(LABEL_X, footer + 40, f"有效期 {view.validity}", 15, fill="#444"))
    body.append(_text(LABEL_X, footer + 70, f"颁发日期 {view.issued_on}", 15, fill="#444"))
    body.append(_text(LABEL_X, footer + 100, f"持证主体 {view.holder}", 15, fill="#444"))
    qr_size = 220
    qr_x, qr_y = WIDTH - 40 - qr_size, footer + 15
    if qr_svg is not None:
        body.append(_nested_svg(qr_svg, qr_x, qr_y, qr_size))
    seal_x, seal_y = qr_x - 130, footer + 120
    body.append(seal_mark(seal_x, seal_y, view.issuer_name))
    body.append(_text(seal_x, footer + 225, view.issuer_name, 14, text_anchor="middle"))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif">'
        f"<title>{escape(view.type_name)} {escape(view.licence_no)}</title>"
        + "".join(body)
        + "</svg>"
    )
