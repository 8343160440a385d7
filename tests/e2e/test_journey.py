"""The whole journey over real processes, asserting each step's result.

The module that drives ``make demo`` (``wuzheng.cli._journey``) runs once against the mesh
the session fixture started; each test below checks what one step returned."""

import asyncio
import io
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from rich.console import Console

from wuzheng.cli._journey import (
    ADDRESS,
    COMPANY_ITEM,
    CORRECTED_ADDRESS,
    RESIDENT_ITEM,
    JourneyResult,
    run_journey,
)
from wuzheng.cli._journey_mesh import TestMesh
from wuzheng.contracts import HolderCode, LicenceId

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def journey(mesh: TestMesh) -> JourneyResult:
    printed = io.StringIO()
    console = Console(file=printed, width=120, color_system=None)
    try:
        result = asyncio.run(run_journey(mesh.urls, mesh.var_dir, console=console, timeout=60))
    finally:
        print(printed.getvalue())  # shown by pytest when a test fails
    print(f"journey: {len(result.steps)} steps, {result.seconds:.1f}s")
    return result


def test_every_step_ran_and_printed_its_calls(journey: JourneyResult) -> None:
    assert [s.number for s in journey.steps] == list(range(1, 16))
    calls = [call for step in journey.steps for call in step.calls]
    assert all(call.status < 400 for call in calls), [c for c in calls if c.status >= 400]
    assert {c.method for c in calls} >= {"GET", "POST"}
    issued = next(c for c in calls if c.method == "POST" and c.url.endswith("/v1/licences"))
    assert issued.status == 201
    assert "111:3707**********" in issued.summary  # the resident ID number is masked
    assert journey.resident[4:] not in issued.summary


def test_catalog_types_item_and_read_models(journey: JourneyResult) -> None:
    assert journey.licence_types["居民身份证"]["holder_kind"] == "person"
    assert journey.licence_types["营业执照"]["holder_kind"] == "organisation"
    assert journey.item["seq_no"] == RESIDENT_ITEM
    modes = {m["mode"] for m in journey.item["materials"]}
    assert modes == {"e_licence", "direct_cancel", "data_sharing", "commitment"}
    consumers = [name for name in journey.backlog if not name.endswith(":outbox")]
    assert {name.split(":")[0] for name in consumers} == {
        "issuance",
        "verification",
        "rescode",
        "dispute",
    }
    assert not any(journey.backlog.values())


def test_two_licences_issued_with_strict_identifiers(journey: JourneyResult) -> None:
    id_card, business = journey.id_card, journey.business_licence
    assert id_card["holder"] == journey.resident
    assert business["holder"] == journey.company
    assert HolderCode(journey.resident).is_person
    assert not HolderCode(journey.company).is_person
    for licence, name in ((id_card, "居民身份证"), (business, "营业执照")):
        parsed = LicenceId.parse(licence["licence_id"])  # strict: check character included
        assert parsed.type_code == journey.licence_types[name]["code"]
        assert parsed.issuer_code == licence["issuer_code"]
        assert parsed.version == 1
        assert licence["status"] == "valid"
        assert licence["gbt_status_code"] == "01"
        assert licence["seal"]
    assert id_card["department"] == "public-security"
    assert business["department"] == "market-regulation"
    assert id_card["issuer_code"] != business["issuer_code"]
    assert [lic["licence_id"] for lic in journey.wallet["licences"]] == [id_card["licence_id"]]


def test_resident_code_shown_and_saved(journey: JourneyResult) -> None:
    code = journey.code
    assert code["qr"]["payload"].startswith("WZRC1.")
    assert len(code["digits"]) == 18
    assert code["holder"]["masked"] is True
    assert journey.qr_png is not None
    assert journey.qr_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert journey.qr_png.parent.name == "demo"
    assert "█" in journey.qr_terminal  # segno's terminal rendering


def test_scan_identity_only_then_consent(journey: JourneyResult) -> None:
    scan = journey.scan
    assert scan["item_seq_no"] == RESIDENT_ITEM
    assert scan["consented"] is False
    assert scan["licences"] == []
    assert scan["department"] == journey.item["department"] == "civil-affairs"
    consent = journey.consent
    assert consent["state"] == "active"
    assert consent["scope"] == "one_case"
    assert [t["code"] for t in consent["licence_types"]] == [journey.id_card["type_code"]]


def test_evidence_request_satisfies_every_material(journey: JourneyResult) -> None:
    evidence = journey.evidence
    assert evidence["consent"]["consent_id"] == journey.consent["consent_id"]
    statuses = {m["mode"]: m["status"] for m in evidence["materials"]}
    assert statuses == {
        "e_licence": "licence",
        "direct_cancel": "not_needed",
        "data_sharing": "department_check",
        "commitment": "commitment",
    }
    licence = next(m["licence"] for m in evidence["materials"] if m["licence"])
    assert licence["licence_id"] == journey.id_card["licence_id"]
    assert (licence["outcome"], licence["mode"]) == ("valid", "online")
    assert licence["fields"]["address"] == ADDRESS
    summary = evidence["summary"]
    assert summary["resolved"] == summary["materials"] == 4
    assert summary["nothing_to_submit"] is True


def test_verification_routed_to_the_issuer(journey: JourneyResult) -> None:
    for answer, licence, item in (
        (journey.verification, journey.id_card, RESIDENT_ITEM),
        (journey.business_verification, journey.business_licence, COMPANY_ITEM),
    ):
        segment = LicenceId.parse(licence["licence_id"]).issuer_code
        assert answer["issuer_code"] == segment
        assert answer["answer"]["iss"] == segment  # signed by the issuer itself
        assert (answer["mode"], answer["outcome"]) == ("online", "valid")
        assert answer["item_seq_no"] == item
        assert answer["signed_answer"].count(".") == 2
    route = journey.route
    assert route["transport"] == "nats"
    assert route["subject"] == f"verify.{journey.id_card['issuer_code']}"
    assert route["health"]["state"] == "closed"


def test_dispute_amends_the_licence_and_tells_the_verifier(journey: JourneyResult) -> None:
    dispute = journey.dispute
    assert dispute["state"] == "resolved"
    assert dispute["department"] == "public-security"
    correction = dispute["correction"]
    assert correction["status"] == "propagated"
    assert correction["corrections"] == {"address": CORRECTED_ADDRESS}
    old = LicenceId.parse(journey.id_card["licence_id"])
    new = LicenceId.parse(correction["new_licence_id"])
    assert new == old.next_version()
    assert journey.amended["licence_id"] == new
    assert journey.amended["fields"]["address"] == CORRECTED_ADDRESS
    assert journey.amended["previous_licence_id"] == old
    assert journey.superseded["status"] == "superseded"
    assert journey.superseded["superseded_by"] == new
    assert correction["departments_told"] == ["civil-affairs"]
    kinds = [entry["kind"] for entry in dispute["history"]]
    assert kinds[-2:] == ["amended", "propagated"]


def test_access_log_lists_every_use(journey: JourneyResult) -> None:
    log = journey.access_log
    assert log["chain"]["intact"] is True
    records = sorted(log["records"], key=lambda r: r["seq"])
    assert [r["source"] for r in records] == ["scan", "evidence_request", "verification"]
    assert Counter(r["department"] for r in records) == {"civil-affairs": 3}
    assert {r["item_seq_no"] for r in records} == {RESIDENT_ITEM}
    assert records[-1]["licence_ids"] == [journey.id_card["licence_id"]]
    assert records[-1]["result"] == "valid"
    assert log["chain"]["length"] == 3


def test_demo_command_explains_when_the_mesh_is_not_running(tmp_path: Path) -> None:
    closed = "http://127.0.0.1:9"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "wuzheng.cli.demo",
            *("--catalog-url", closed, "--issuance-url", closed, "--verification-url", closed),
            *("--rescode-url", closed, "--dispute-url", closed, "--var-dir", str(tmp_path)),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "make run" in result.stdout
    assert "in another terminal" in result.stdout
