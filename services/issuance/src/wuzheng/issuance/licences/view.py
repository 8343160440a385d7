"""What a drawn licence shows, prepared once for every drawing of it (``render.svg``,
``render.pdf``): the type's name, 证照编号, identifier, the holder (an ID number masked), the
issuer, validity, status and the fields with their labels in the type's order.

The drawings are for display only; what proves the licence is its sealed JWS and the QR code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from wuzheng.contracts import HolderCode
from wuzheng.issuance.readmodel.service import LicenceTypeView

STATUS_NAMES: Final = {
    "pending_seals": "待签章",
    "valid": "有效",
    "suspended": "暂扣",
    "revoked": "撤销/吊销",
    "cancelled": "注销",
    "expired": "失效（过期）",
    "superseded": "失效（已变更）",
}


@dataclass(frozen=True)
class LicenceView:
    """A licence as its drawings show it."""

    licence_id: str
    licence_no: str
    type_name: str
    issuer_name: str
    holder: str
    status: str
    valid_from: str
    valid_until: str | None
    issued_on: str
    fields: tuple[tuple[str, str], ...]
    """(label, value as text) in the type's field order; a person's ID number masked wherever
    it is a field's whole value (``holder_code``)."""

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.status, self.status)

    @property
    def validity(self) -> str:
        return f"{self.valid_from} 至 {self.valid_until or '长期'}"


def licence_view(
    document: dict[str, Any], status: str, licence_type: LicenceTypeView | None
) -> LicenceView:
    """The licence's sealed document as its drawings show it.

    Fields in the type's order (every key of the document the type's schema has; sorted keys
    when the type is unknown here), labelled from the schema. A person holder's 公民身份号码
    never appears in full: the holder reads ``111:3707****1234`` and a field holding the
    number holds its masked form.
    """
    fields: dict[str, Any] = document["fields"]
    holder = HolderCode(document["holder"])
    raw_id = str(holder.code) if holder.is_person else None
    masked_id = holder.code.masked()

    def label(key: str) -> str:
        return licence_type.label(key) if licence_type is not None else key

    def shown(value: Any) -> str:
        if raw_id is not None and value == raw_id:
            return masked_id
        return "是" if value is True else "否" if value is False else str(value)

    order = [f.key for f in licence_type.fields] if licence_type is not None else sorted(fields)
    return LicenceView(
        licence_id=document["id"],
        licence_no=document["no"],
        type_name=document["type"]["name"],
        issuer_name=document["issuer"]["name"],
        holder=holder.masked() if holder.is_person else str(holder),
        status=status,
        valid_from=document["valid_from"],
        valid_until=document["valid_until"],
        issued_on=document["issued_on"],
        fields=tuple((label(key), shown(fields[key])) for key in order if key in fields),
    )
