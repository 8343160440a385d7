"""The rescode service's tables: one declarative base, one MetaData.

Each domain package defines its tables in its ``models.py`` on this base;
:func:`load_models` imports them all (alembic's ``env.py`` and the tests use it).
Holder codes never sit in a column in clear: ``*_hash`` columns hold the HMAC used for
look-ups, ``*_sealed`` columns the AES-GCM sealed code (see :mod:`wuzheng.rescode.keys`).
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any, ClassVar

from sqlalchemy.orm import DeclarativeBase

from wuzheng.db import UtcDateTime, make_metadata

DOMAINS = ("access_log", "catalog_view", "codes", "consents", "mandates", "wallet")


class Base(DeclarativeBase):
    metadata = make_metadata()
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UtcDateTime()}


def load_models() -> None:
    """Import every domain's tables into :data:`Base.metadata`."""
    for domain in DOMAINS:
        importlib.import_module(f"wuzheng.rescode.{domain}.models")
