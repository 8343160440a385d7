"""Immutable views of the catalogue read model, as the verification rules use them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class MaterialView:
    position: int
    name: str
    mode: str  # direct_cancel, commitment, data_sharing, department_check, e_licence, paper
    licence_type: str | None
    commitment_text: str | None
    provider_department: str | None
    legal_basis: str
    form_fields: tuple[str, ...]


@dataclass(frozen=True)
class ItemView:
    """A service item with its materials and, for every form field they fill, the licence
    field of each licence type it can be read from (the field library)."""

    seq_no: int
    name: str | None
    department: str | None
    materials: tuple[MaterialView, ...]
    field_sources: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    personal_fields: frozenset[str] = frozenset()

    def names_type(self, type_code: str) -> bool:
        """Whether any material of the item names this licence type (the entitlement)."""
        return any(material.licence_type == type_code for material in self.materials)

    def field_map(self, material: MaterialView) -> dict[str, str | None]:
        """Form field → licence field of the material's licence type (None: no source)."""
        if material.licence_type is None:
            return {}
        return {
            form: self.field_sources.get(form, {}).get(material.licence_type)
            for form in material.form_fields
        }

    def licence_fields(self, type_code: str) -> tuple[str, ...]:
        """Every licence field of ``type_code`` some material of the item needs, sorted."""
        wanted: set[str] = set()
        for material in self.materials:
            if material.licence_type == type_code:
                wanted.update(v for v in self.field_map(material).values() if v is not None)
        return tuple(sorted(wanted))


@dataclass(frozen=True)
class LicenceTypeView:
    code: str
    name: str
    holder_kind: str
    issuer_codes: tuple[str, ...]
    personal_fields: frozenset[str]
