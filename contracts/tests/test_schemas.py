"""The committed JSON Schema under contracts/schemas/ matches the code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wuzheng.contracts import EventPayload, _envelope, schemas

COMMITTED = Path(__file__).resolve().parents[1] / "schemas"


def test_committed_schemas_match_the_code() -> None:
    drift = schemas.check(COMMITTED)
    assert drift.clean, (
        "contracts/schemas/ is out of date; run `make schemas` "
        "(python -m wuzheng.contracts.schemas write):\n" + "\n".join(drift.lines())
    )


def test_default_directory_is_contracts_schemas() -> None:
    assert schemas.DEFAULT_DIR == COMMITTED


def test_every_contract_has_a_file() -> None:
    names = set(schemas.generate())
    assert {
        "EventEnvelope.json",
        "Problem.json",
        "TraceContext.json",
        "ResidentId.json",
        "CreditCode.json",
        "HolderCode.json",
        "LicenceId.json",
        "LicenceTypeCode.json",
    } <= names


def test_output_is_stable_sorted_and_pretty() -> None:
    first, second = schemas.generate(), schemas.generate()
    assert first == second
    for content in first.values():
        document = json.loads(content)
        assert document["$schema"] == schemas.JSON_SCHEMA_DIALECT
        assert document["title"]
        assert content == json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_write_then_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert schemas.main(["check", "--dir", str(tmp_path)]) == 1
    assert "missing: EventEnvelope.json" in capsys.readouterr().err

    assert schemas.main(["write", "--dir", str(tmp_path)]) == 0
    assert "written: EventEnvelope.json" in capsys.readouterr().out
    assert schemas.check(tmp_path).clean
    assert schemas.main(["check", "--dir", str(tmp_path)]) == 0

    (tmp_path / "LicenceId.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "Problem.json").unlink()
    (tmp_path / "events").mkdir(exist_ok=True)
    (tmp_path / "events" / "gone.thing.happened.v1.json").write_text("{}", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a schema", encoding="utf-8")
    drift = schemas.check(tmp_path)
    assert drift.missing == ("Problem.json",)
    assert drift.changed == ("LicenceId.json",)
    assert drift.stale == ("events/gone.thing.happened.v1.json",)
    assert schemas.main(["check", "--dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    for line in ("missing: Problem.json", "drifted: LicenceId.json", "stale: events/gone"):
        assert line in err

    assert schemas.write(tmp_path) == drift
    assert schemas.check(tmp_path).clean
    assert not (tmp_path / "events" / "gone.thing.happened.v1.json").exists()
    assert (tmp_path / "notes.txt").exists()


def test_payloads_of_the_events_package_are_contracts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_envelope, "_REGISTRY", dict(_envelope._REGISTRY))

    class GadgetMade(EventPayload):
        __module__ = "wuzheng.contracts.events.testing"
        event_type = "testing.gadget.made"

        gadget_id: str

    class LocalOnly(EventPayload):  # defined outside the events package: not a contract
        event_type = "testing.gadget.local"

        gadget_id: str

    files = schemas.generate()
    assert "events/testing.gadget.local.v1.json" not in files
    document = json.loads(files["events/testing.gadget.made.v1.json"])
    assert document["title"] == "GadgetMade"
    assert document["x-event-type"] == "cn.wuzheng.testing.gadget.made.v1"
    assert document["required"] == ["gadget_id"]
    schemas.write(tmp_path)
    assert (tmp_path / "events" / "testing.gadget.made.v1.json").is_file()
