"""SVG and PNG images of a code: the QR payload (segno) and the Code 128 barcode of its
digits (python-barcode; Pillow draws the PNG)."""

from __future__ import annotations

import io

import barcode  # type: ignore[import-untyped]
import segno
from barcode.charsets import code128  # type: ignore[import-untyped]
from barcode.writer import ImageWriter, SVGWriter  # type: ignore[import-untyped]

__all__ = ["barcode_png", "barcode_svg", "qr_png", "qr_svg"]

_BARCODE_OPTIONS = {"module_height": 15.0, "quiet_zone": 6.5, "font_size": 10, "text_distance": 5}


class _Code128(barcode.Code128):  # type: ignore[misc]
    """python-barcode's Code 128 without its leading-"99" bug (its issue #251, fixed upstream
    after 0.16.1, the latest release): it folds "Start C, switch to A or B" into one start
    code, but also took a first digit pair 99 — the value of "switch to C" — for a switch
    and dropped it, so a code beginning 99 drew without those digits (one code in a
    hundred). A switch right after Start C can only be to A or B; fold only those."""

    def _try_to_optimize(self, encoded: list[int]) -> list[int]:
        if len(encoded) > 1 and encoded[1] in (code128.C["TO_A"], code128.C["TO_B"]):
            encoded[:2] = [code128.TO[encoded[1]]]
        return encoded


def _qr(payload: str) -> segno.QRCode:
    return segno.make(payload, error="m", micro=False)


def qr_svg(payload: str) -> bytes:
    out = io.BytesIO()
    _qr(payload).save(out, kind="svg", scale=4, border=4)
    return out.getvalue()


def qr_png(payload: str, scale: int = 8) -> bytes:
    out = io.BytesIO()
    _qr(payload).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def barcode_svg(digits: str) -> bytes:
    out = io.BytesIO()
    _Code128(digits, writer=SVGWriter()).write(out, options=_BARCODE_OPTIONS)
    return out.getvalue()


def barcode_png(digits: str, scale: int = 2) -> bytes:
    out = io.BytesIO()
    options = {**_BARCODE_OPTIONS, "module_width": 0.2 * scale, "dpi": 300}
    _Code128(digits, writer=ImageWriter()).write(out, options=options)
    return out.getvalue()
