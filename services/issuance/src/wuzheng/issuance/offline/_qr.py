"""Drawing the compact QR form of a sealed licence.

The text (``WZ1:`` + Base45(zlib(compact JWS)), :func:`wuzheng.seals.encode_qr_payload`) uses
exactly the 45 characters of the QR alphanumeric mode, so the code is drawn in that mode (5.5
bits a character) rather than byte mode (8 bits).
"""

from __future__ import annotations

import io
from typing import Final

import segno

QR_ERROR_LEVEL: Final = "q"  # ~25 % recovery, as the EU DCC recommends; segno may raise it


def _qr(text: str) -> segno.QRCode:
    return segno.make_qr(text, error=QR_ERROR_LEVEL, mode="alphanumeric")


def qr_svg(text: str, *, scale: int = 4, border: int = 4) -> str:
    """A standalone SVG document of the QR code for ``text`` (alphanumeric mode)."""
    buffer = io.BytesIO()
    _qr(text).save(buffer, kind="svg", scale=scale, border=border, xmldecl=False)
    return buffer.getvalue().decode("utf-8")


def qr_modules(text: str) -> list[list[bool]]:
    """The QR code for ``text`` as rows of modules (``True`` = dark), without a quiet zone:
    the same code :func:`qr_svg` and :func:`qr_png` draw, for drawing it by other means."""
    return [[bool(module) for module in row] for row in _qr(text).matrix_iter(border=0)]


def qr_png(text: str, *, scale: int = 4, border: int = 4) -> bytes:
    """A PNG image of the QR code for ``text`` (alphanumeric mode)."""
    buffer = io.BytesIO()
    _qr(text).save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()
