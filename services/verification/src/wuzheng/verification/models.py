"""The verification service's tables: one declarative base, one MetaData.

The tables live with their domain (``catalog/models.py``, ``routes/models.py``,
``licences/models.py``, ``consents/models.py``, ``audit/models.py``); :func:`load_all`
imports them so the metadata is complete (alembic's ``env.py`` calls it).
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any, ClassVar

from sqlalchemy.orm import DeclarativeBase

from wuzheng.db import UtcDateTime, make_metadata

MODEL_MODULES = (
    "wuzheng.verification.catalog.models",
    "wuzheng.verification.routes.models",
    "wuzheng.verification.licences.models",
    "wuzheng.verification.consents.models",
    "wuzheng.verification.audit.models",
)


class Base(DeclarativeBase):
    metadata = make_metadata()
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UtcDateTime()}


def load_all() -> None:
    """Import every table module (idempotent)."""
    for module in MODEL_MODULES:
        importlib.import_module(module)
