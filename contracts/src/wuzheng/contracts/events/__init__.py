"""Event payloads, one module per domain.

Convention
----------
- One module per domain, named after the first token of its event names:
  ``catalog.py`` (``catalog.*``), ``certificate.py`` (``certificate.*``, emitted by the
  issuance service), ``verification.py``, ``rescode.py`` (``rescode.*`` and ``consent.*``)
  and ``dispute.py``. The service that emits the events owns the module.
- One class per event, named for what happened, subclassing
  :class:`wuzheng.contracts.EventPayload`::

      from wuzheng.contracts import EventPayload, HolderCode, LicenceId

      class LicenceIssued(EventPayload):
          event_type = "certificate.licence.issued"  # <domain>.<entity>.<verb>, NATS subject
          event_version = 1                          # CloudEvents type ...issued.v1

          licence_id: LicenceId
          holder: HolderCode

  Defining the class registers it: ``EventEnvelope.wrap(payload, source=...)`` fills the
  type ``cn.wuzheng.certificate.licence.issued.v1``, and ``envelope.payload()`` /
  ``decode_event(envelope)`` give the typed payload back.
- Use the shared value types (``LicenceId``, ``HolderCode``, ...) rather than bare strings,
  and carry ids and facts, not whole records of personal data.
- Compatible change (a new optional member, a wider value): same version; consumers ignore
  members they do not know. Breaking change: a new class with ``event_version = 2`` beside
  the old one until every consumer has moved.
- After adding or changing a payload run ``make schemas`` (``python -m
  wuzheng.contracts.schemas write``) and commit ``contracts/schemas/``; a test fails while
  the committed JSON Schema and the code differ.

Modules here must import nothing but ``wuzheng.contracts`` and pydantic: every service and
the schema generator import them all (:func:`load_event_modules`).
"""

from __future__ import annotations

import importlib
import pkgutil

__all__ = ["load_event_modules"]


def load_event_modules() -> list[str]:
    """Import every public module of this package (registering its payloads); returns the
    module names."""
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(__path__, prefix=f"{__name__}.")
        if not info.name.rsplit(".", 1)[-1].startswith("_")
    )
    for name in names:
        importlib.import_module(name)
    return names
