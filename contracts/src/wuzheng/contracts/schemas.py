"""Generate and check the committed JSON Schema of every contract.

``python -m wuzheng.contracts.schemas write [--dir DIR]`` writes one pretty, key-sorted JSON
file per contract under ``contracts/schemas/`` (``EventEnvelope.json``, ``LicenceId.json``,
``events/certificate.licence.issued.v1.json``...) and deletes stale ``*.json`` files there;
``python -m wuzheng.contracts.schemas check [--dir DIR]`` exits 1 listing missing, drifted
and stale files. Event payloads are those registered by modules of
``wuzheng.contracts.events`` (classes defined elsewhere, e.g. in tests, are not contracts).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

from wuzheng.contracts._envelope import EVENTS_PACKAGE, EventEnvelope, registered_payloads
from wuzheng.contracts._identifiers import CreditCode, HolderCode, ResidentId
from wuzheng.contracts._licence_id import LicenceId, LicenceTypeCode
from wuzheng.contracts.problems import Problem
from wuzheng.contracts.tracing import TraceContext

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
# contracts/src/wuzheng/contracts/schemas.py -> contracts/schemas
DEFAULT_DIR = Path(__file__).resolve().parents[3] / "schemas"

_MODELS: tuple[type[BaseModel], ...] = (EventEnvelope, Problem, TraceContext)
_VALUE_TYPES: tuple[type[Any], ...] = (
    ResidentId,
    CreditCode,
    HolderCode,
    LicenceId,
    LicenceTypeCode,
)


def _render(schema: dict[str, Any]) -> str:
    document = {"$schema": JSON_SCHEMA_DIALECT, **schema}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generate() -> dict[str, str]:
    """Relative path (POSIX) → file content of every contract's JSON Schema."""
    files: dict[str, str] = {}
    for model in _MODELS:
        files[f"{model.__name__}.json"] = _render(model.model_json_schema())
    for value_type in _VALUE_TYPES:
        schema = TypeAdapter(value_type).json_schema()
        files[f"{value_type.__name__}.json"] = _render({"title": value_type.__name__, **schema})
    for full_type, payload in registered_payloads().items():
        if not payload.__module__.startswith(EVENTS_PACKAGE + "."):
            continue
        name = full_type.removeprefix("cn.wuzheng.")
        files[f"events/{name}.json"] = _render(payload.model_json_schema())
    return dict(sorted(files.items()))


@dataclass(frozen=True)
class Drift:
    missing: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    stale: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        return not (self.missing or self.changed or self.stale)

    def lines(self, labels: tuple[str, str, str] = ("missing", "drifted", "stale")) -> list[str]:
        return (
            [f"{labels[0]}: {name}" for name in self.missing]
            + [f"{labels[1]}: {name}" for name in self.changed]
            + [f"{labels[2]}: {name}" for name in self.stale]
        )


def _existing(directory: Path) -> set[str]:
    if not directory.is_dir():
        return set()
    return {path.relative_to(directory).as_posix() for path in directory.rglob("*.json")}


def check(directory: Path = DEFAULT_DIR) -> Drift:
    """How the files in ``directory`` differ from what the code generates."""
    expected = generate()
    existing = _existing(directory)
    return Drift(
        missing=tuple(sorted(set(expected) - existing)),
        changed=tuple(
            sorted(
                name
                for name in set(expected) & existing
                if (directory / name).read_text(encoding="utf-8") != expected[name]
            )
        ),
        stale=tuple(sorted(existing - set(expected))),
    )


def write(directory: Path = DEFAULT_DIR) -> Drift:
    """Bring ``directory`` up to date; returns what had to change."""
    drift = check(directory)
    expected = generate()
    for name in (*drift.missing, *drift.changed):
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(expected[name], encoding="utf-8")
    for name in drift.stale:
        (directory / name).unlink()
    for folder in sorted((p for p in directory.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    return drift


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m wuzheng.contracts.schemas",
        description="Write or check the committed JSON Schema of the contracts.",
    )
    parser.add_argument("command", choices=["write", "check"])
    parser.add_argument(
        "--dir", type=Path, default=DEFAULT_DIR, help=f"schema directory (default {DEFAULT_DIR})"
    )
    args = parser.parse_args(argv)
    directory: Path = args.dir
    if args.command == "write":
        drift = write(directory)
        for line in drift.lines(("written", "updated", "deleted")):
            print(line)
        print(f"{len(generate())} schema files up to date in {directory}")
        return 0
    drift = check(directory)
    if drift.clean:
        print(f"{len(generate())} schema files up to date in {directory}")
        return 0
    print(f"JSON Schema in {directory} differs from the code:", file=sys.stderr)
    for line in drift.lines():
        print(f"  {line}", file=sys.stderr)
    print("run: python -m wuzheng.contracts.schemas write", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
