"""The route registry table: one row per issuer code.

An issuer is reached in the mesh (``mesh_subject``, from ``certificate.issuer.served``, keys
``mesh_jwks``) or at an HTTPS URL an operator registered for a department that runs its own
verification service (``url``, keys ``url_jwks`` fetched from ``jwks_url``). A registered URL
takes precedence: the operator said so explicitly. A registered URL may name the credential
presented to it (``credential_kind`` bearer or mtls, and the file names of its secret under
the route secrets directory): never the secret itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wuzheng.verification.models import Base


class IssuerRoute(Base):
    __tablename__ = "issuer_routes"

    issuer_code: Mapped[str] = mapped_column(sa.String(18), primary_key=True)
    department: Mapped[str | None] = mapped_column(sa.String(64))
    mesh_subject: Mapped[str | None] = mapped_column(sa.String(255))
    mesh_jwks: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON())
    mesh_event_time: Mapped[dt.datetime | None]
    url: Mapped[str | None] = mapped_column(sa.String(500))
    jwks_url: Mapped[str | None] = mapped_column(sa.String(500))
    url_jwks: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON())
    registered_by: Mapped[str | None] = mapped_column(sa.String(200))
    registered_at: Mapped[dt.datetime | None]
    timeout_ms: Mapped[int | None] = mapped_column(sa.Integer())
    credential_kind: Mapped[str | None] = mapped_column(sa.String(16))
    credential_ref: Mapped[str | None] = mapped_column(sa.String(128))
    credential_key_ref: Mapped[str | None] = mapped_column(sa.String(128))
    jwks_fetched_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime]
