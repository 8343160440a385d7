"""The issuance service's tables: one declarative base, one MetaData.

The tables live with their domain (``readmodel``, ``issuers``, ``licences``, ``disputes``);
:func:`load_models` imports them all so the metadata is complete (alembic's ``env.py``).
Relationships are not used: every query says what it reads.
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any, ClassVar

from sqlalchemy.orm import DeclarativeBase

from wuzheng.db import UtcDateTime, make_metadata

MODEL_MODULES = (
    "wuzheng.issuance.readmodel.models",
    "wuzheng.issuance.issuers.models",
    "wuzheng.issuance.licences.models",
    "wuzheng.issuance.disputes.models",
)


class Base(DeclarativeBase):
    metadata = make_metadata()
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UtcDateTime()}


def load_models() -> None:
    """Import every module that defines tables on :class:`Base`."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
