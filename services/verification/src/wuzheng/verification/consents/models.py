"""Consents (授权) as rescode's ``consent.grant.*`` events announce them; the consent id is the
token an evidence request presents. A one-case consent is used up by the first evidence
request that presents it (``used_at``), claimed atomically."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wuzheng.verification.models import Base


class Consent(Base):
    __tablename__ = "consents"

    consent_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    holder_hmac: Mapped[str] = mapped_column(sa.String(64), index=True)
    department: Mapped[str] = mapped_column(sa.String(64))
    item_seq_no: Mapped[int | None] = mapped_column(sa.Integer())
    licence_types: Mapped[list[str]] = mapped_column(sa.JSON())
    scope: Mapped[str] = mapped_column(sa.String(16))
    valid_until: Mapped[dt.datetime]
    granted_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    used_at: Mapped[dt.datetime | None]
