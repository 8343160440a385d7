"""A licence drawn for people as a one-page A4 PDF: the same content as the SVG card
(:func:`~wuzheng.issuance.licences.view.licence_view`), the issuer's red round seal mark and
the licence's QR code drawn as vector modules.

Chinese text uses the PDF reader's built-in CID font ``STSong-Light`` (Adobe-GB1), so nothing
is embedded and no font file is needed on the server. For display only: what proves the
licence is its sealed JWS and the QR code.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Final

from reportlab.lib.colors import Color, HexColor  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from wuzheng.issuance.licences.view import LicenceView

FONT: Final = "STSong-Light"
PAGE_W, PAGE_H = A4
MARGIN: Final = 36.0
LABEL_X: Final = MARGIN + 24
VALUE_X: Final = MARGIN + 200
FIELDS_TOP: Final = PAGE_H - 168
FOOTER_H: Final = 250.0
MAX_ROW: Final = 24.0
SEAL_RED: Final = HexColor("#c8102e")
GOLD: Final = HexColor("#b08d57")
INK: Final = HexColor("#222222")
GREY: Final = HexColor("#555555")
GREEN: Final = HexColor("#1a7f37")
QR_SIZE: Final = 170.0

pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _fit(text: str, size: float, width: float) -> str:
    """``text`` cut (with …) to fit ``width`` points at ``size``."""
    if pdfmetrics.stringWidth(text, FONT, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", FONT, size) > width:
        text = text[:-1]
    return text + "…"


def _seal_mark(c: Canvas, cx: float, cy: float, issuer_name: str, radius: float = 60) -> None:
    """A round red seal: the issuer's name along the top of the rim, a star in the middle."""
    c.saveState()
    red = Color(SEAL_RED.red, SEAL_RED.green, SEAL_RED.blue, alpha=0.85)
    c.setStrokeColor(red)
    c.setFillColor(red)
    c.setLineWidth(3)
    c.circle(cx, cy, radius, stroke=1, fill=0)
    star = c.beginPath()
    for i in range(10):
        r = radius * (0.28 if i % 2 == 0 else 0.11)
        angle = math.pi / 2 + i * math.pi / 5
        x, y = cx + r * math.cos(angle), cy + r * math.sin(angle)
        if i == 0:
            star.moveTo(x, y)
        else:
            star.lineTo(x, y)
    star.close()
    c.drawPath(star, stroke=0, fill=1)
    chars = list(issuer_name)[:16]
    span = 220.0
    size = 13.0
    for i, char in enumerate(chars):
        theta = 90 + span / 2 - span * (i + 0.5) / max(len(chars), 1)
        x = cx + (radius - 15) * math.cos(math.radians(theta))
        y = cy + (radius - 15) * math.sin(math.radians(theta))
        c.saveState()
        c.translate(x, y)
        c.rotate(theta - 90)
        c.setFont(FONT, size)
        c.drawCentredString(0, -size / 3, char)
        c.restoreState()
    c.restoreState()


def _qr(c: Canvas, modules: Sequence[Sequence[bool]], x: float, y: float, size: float) -> None:
    """The QR modules as black rectangles (runs of a row merged) in a ``size`` square whose
    lower left corner is (x, y), with a two-module white quiet zone inside the square."""
    count = len(modules)
    unit = size / (count + 4)
    c.saveState()
    c.setFillColor(HexColor("#ffffff"))
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColor(HexColor("#000000"))
    for row, line in enumerate(modules):
        top = y + size - (row + 2 + 1) * unit
        col = 0
        while col < count:
            if not line[col]:
                col += 1
                continue
            start = col
            while col < count and line[col]:
                col += 1
            c.rect(x + (start + 2) * unit, top, (col - start) * unit, unit, stroke=0, fill=1)
    c.restoreState()


def _header(c: Canvas, view: LicenceView) -> None:
    """Name, 证照编号, identifier and status above the fields."""
    c.setFillColor(INK)
    c.setFont(FONT, 28)
    c.drawCentredString(PAGE_W / 2, PAGE_H - 92, view.type_name)
    c.setFillColor(GREY)
    c.setFont(FONT, 12)
    c.drawCentredString(PAGE_W / 2, PAGE_H - 118, f"证照编号 {view.licence_no}")
    c.setFont(FONT, 9)
    c.drawCentredString(PAGE_W / 2, PAGE_H - 136, f"电子证照标识 {view.licence_id}")
    c.setFont(FONT, 12)
    c.setFillColor(GREEN if view.status == "valid" else SEAL_RED)
    c.drawRightString(PAGE_W - MARGIN - 12, PAGE_H - 60, f"状态：{view.status_name}")
    c.setStrokeColor(GOLD)
    c.setLineWidth(1)
    c.line(MARGIN + 12, PAGE_H - 150, PAGE_W - MARGIN - 12, PAGE_H - 150)


def render_pdf(view: LicenceView, qr_modules: Sequence[Sequence[bool]] | None) -> bytes:
    """The licence as a one-page A4 PDF (QR code omitted while it has none: pending seals)."""
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, invariant=True, pageCompression=1)
    c.setTitle(f"{view.type_name} {view.licence_no}")
    c.setAuthor(view.issuer_name)
    c.setSubject(f"电子证照 {view.licence_id}")
    c.setCreator("wuzheng-issuance")

    c.setStrokeColor(GOLD)
    c.setFillColor(HexColor("#fffdf6"))
    c.setLineWidth(2)
    c.roundRect(MARGIN - 12, MARGIN - 12, PAGE_W - 2 * MARGIN + 24, PAGE_H - 2 * MARGIN + 24, 14,
                stroke=1, fill=1)  # fmt: skip

    _header(c, view)

    footer = MARGIN + FOOTER_H
    rows = max(len(view.fields), 1)
    row = min(MAX_ROW, (FIELDS_TOP - footer - 10) / rows)
    size = min(12.0, row * 0.6)
    value_width = PAGE_W - MARGIN - 24 - VALUE_X
    for i, (label, value) in enumerate(view.fields):
        y = FIELDS_TOP - row * i
        c.setFillColor(GREY)
        c.setFont(FONT, size * 0.95)
        c.drawString(LABEL_X, y, _fit(label, size * 0.95, VALUE_X - LABEL_X - 8))
        c.setFillColor(INK)
        c.setFont(FONT, size)
        c.drawString(VALUE_X, y, _fit(value, size, value_width))

    c.setStrokeColor(GOLD)
    c.line(MARGIN + 12, footer, PAGE_W - MARGIN - 12, footer)
    c.setFillColor(GREY)
    c.setFont(FONT, 11)
    lines = (
        f"持证主体 {view.holder}",
        f"颁发机构 {view.issuer_name}",
        f"有效期 {view.validity}",
        f"颁发日期 {view.issued_on}",
    )
    for i, text in enumerate(lines):
        c.drawString(LABEL_X, footer - 26 - 20 * i, _fit(text, 11, 250))

    qr_x, qr_y = PAGE_W - MARGIN - 16 - QR_SIZE, MARGIN + 16
    if qr_modules is not None:
        _qr(c, qr_modules, qr_x, qr_y, QR_SIZE)
    seal_x, seal_y = qr_x - 88, MARGIN + 95
    _seal_mark(c, seal_x, seal_y, view.issuer_name)
    c.setFillColor(INK)
    c.setFont(FONT, 10)
    c.drawCentredString(seal_x, MARGIN + 16, view.issuer_name)

    c.showPage()
    c.save()
    return buffer.getvalue()
