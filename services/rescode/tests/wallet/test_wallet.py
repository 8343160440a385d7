"""The wallet projection: ``certificate.licence.*`` and ``dispute.case.*`` events → what the
holder sees, with no call to issuance."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from wuzheng.contracts import HolderCode, LicenceStatus, RevocationKind
from wuzheng.contracts.events.certificate import (
    LicenceAmended,
    LicenceIssued,
    LicenceReinstated,
    LicenceRevoked,
    LicenceSealAdded,
    LicenceSuspended,
)
from wuzheng.contracts.events.dispute import DisputeClosed, DisputeOpened, DisputeOutcome
from wuzheng.db import utcnow
from wuzheng.messaging.testing import wait_until
from wuzheng.rescode.testing import Publisher, SampleCatalog, licence_issued, person, wait_for_row
from wuzheng.rescode.wallet.models import LicenceObjection, WalletLicence, WalletSupersession
from wuzheng.service.testing import RunningService

Headers = dict[str, str]


def facts(issued: LicenceIssued, **changes: Any) -> dict[str, Any]:
    values = issued.model_dump(exclude={"issued_at"})
    values.update(changes)
    return values


def status_change(issued: LicenceIssued, status: LicenceStatus, **extra: Any) -> dict[str, Any]:
    return facts(
        issued,
        status=status,
        previous_status=LicenceStatus.VALID,
        reason="测试",
        actor="public-security/op-1",
        changed_at=utcnow(),
        **extra,
    )


async def wallet(
    rescode: RunningService, headers: Headers, holder: HolderCode, **params: Any
) -> Any:
    response = await rescode.client.get(
        f"/v1/holders/{holder}/wallet", params=params, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def wait_status(rescode: RunningService, licence_id: str, status: str) -> None:
    await wait_for_row(
        rescode.runtime,
        sa.select(WalletLicence).where(
            WalletLicence.licence_id == licence_id, WalletLicence.status == status
        ),
        message=f"{licence_id} {status}",
    )


async def test_a_licence_goes_through_its_life_in_the_wallet(
    rescode: RunningService,
    app_backend: Headers,
    catalog: SampleCatalog,
    publisher: Publisher,
) -> None:
    holder = person()
    assert (await wallet(rescode, app_backend, holder))["licences"] == []

    issued = licence_issued(holder, catalog.id_card)
    licence_id = str(issued.licence_id)
    await publisher.publish(issued)
    await wait_status(rescode, licence_id, "valid")
    shown = (await wallet(rescode, app_backend, holder))["licences"]
    assert len(shown) == 1
    assert shown[0]["status"] == "valid"
    assert shown[0]["status_label"] == "有效"
    assert shown[0]["gbt_status_code"] == "01"
    assert shown[0]["department_name"] == "安丘市公安局"
    assert shown[0]["under_objection"] is False

    await publisher.publish(LicenceSuspended(**status_change(issued, LicenceStatus.SUSPENDED)))
    await wait_status(rescode, licence_id, "suspended")
    assert (await wallet(rescode, app_backend, holder))["licences"][0]["gbt_status_code"] == "02"
    await publisher.publish(LicenceReinstated(**status_change(issued, LicenceStatus.VALID)))
    await wait_status(rescode, licence_id, "valid")

    await publisher.publish(
        DisputeOpened(
            dispute_id="dp-1",
            department=catalog.police,
            licence_id=licence_id,
            holder=holder,
            field="name",
            opened_at=utcnow(),
        )
    )
    await wait_for_row(
        rescode.runtime, sa.select(LicenceObjection).where(LicenceObjection.dispute_id == "dp-1")
    )
    objected = (await wallet(rescode, app_backend, holder))["licences"][0]
    assert (objected["under_objection"], objected["objections"]) == (True, ["dp-1"])

    # A correction amends the licence: the new version replaces the old one.
    new_id = issued.licence_id.next_version()
    await publisher.publish(
        LicenceAmended(
            **facts(issued, licence_id=new_id, version=new_id.version),
            previous_licence_id=issued.licence_id,
            changed_fields=("name",),
            reason="异议更正",
            dispute_id="dp-1",
        ),
        DisputeClosed(
            dispute_id="dp-1",
            licence_id=licence_id,
            outcome=DisputeOutcome.RESOLVED,
            closed_at=utcnow(),
        ),
    )
    await wait_for_row(
        rescode.runtime,
        sa.select(LicenceObjection).where(
            LicenceObjection.dispute_id == "dp-1", LicenceObjection.closed_at.is_not(None)
        ),
    )
    await wait_for_row(
        rescode.runtime,
        sa.select(WalletSupersession).where(WalletSupersession.licence_id == licence_id),
    )
    current = (await wallet(rescode, app_backend, holder))["licences"]
    assert [(lic["licence_id"], lic["version"], lic["status"]) for lic in current] == [
        (str(new_id), 2, "valid")
    ]
    history = (await wallet(rescode, app_backend, holder, include_superseded=True))["licences"]
    old = next(lic for lic in history if lic["licence_id"] == licence_id)
    assert (old["status"], old["superseded_by"], old["under_objection"]) == (
        "superseded",
        str(new_id),
        False,
    )

    await publisher.publish(
        LicenceRevoked(
            **status_change(
                issued, LicenceStatus.REVOKED, licence_id=new_id, version=new_id.version
            ),
            revocation=RevocationKind.PENALTY,
        )
    )
    await wait_status(rescode, str(new_id), "revoked")
    revoked = (await wallet(rescode, app_backend, holder))["licences"][0]
    assert (revoked["status_label"], revoked["gbt_status_code"], revoked["revocation"]) == (
        "撤销",
        "07",
        "penalty",
    )


async def test_a_jointly_sealed_licence_shows_its_missing_seals_until_issued(
    rescode: RunningService, app_backend: Headers, catalog: SampleCatalog, publisher: Publisher
) -> None:
    holder = person()
    issued = licence_issued(holder, catalog.marriage, type_name="结婚证")
    await publisher.publish(
        LicenceSealAdded(
            **facts(issued, status=LicenceStatus.PENDING_SEALS),
            sealing_department="civil-affairs",
            seals_present=("civil-affairs",),
            seals_required=("civil-affairs", "public-security"),
        )
    )
    await wait_status(rescode, str(issued.licence_id), "pending_seals")
    pending = (await wallet(rescode, app_backend, holder))["licences"][0]
    assert pending["status_label"] == "待签章"
    assert pending["seals"] == {
        "present": ["civil-affairs"],
        "required": ["civil-affairs", "public-security"],
    }
    await publisher.publish(issued)
    await wait_status(rescode, str(issued.licence_id), "valid")
    assert (await wallet(rescode, app_backend, holder))["licences"][0]["seals"] is None


async def test_a_late_older_event_does_not_undo_a_newer_one(
    rescode: RunningService, app_backend: Headers, catalog: SampleCatalog, publisher: Publisher
) -> None:
    holder = person()
    issued = licence_issued(holder, catalog.id_card)
    suspended = publisher.envelope(
        LicenceSuspended(**status_change(issued, LicenceStatus.SUSPENDED))
    )
    late = publisher.envelope(issued, time=suspended.time - dt.timedelta(seconds=5))
    await publisher.publish_envelope(suspended)
    await wait_status(rescode, str(issued.licence_id), "suspended")
    await publisher.publish_envelope(late)
    marker = licence_issued(holder, catalog.marriage, type_name="结婚证")
    await publisher.publish(marker)  # consumed after the late event: the stream keeps order
    await wait_status(rescode, str(marker.licence_id), "valid")
    statuses = {
        lic["type_code"]: lic["status"]
        for lic in (await wallet(rescode, app_backend, holder))["licences"]
    }
    assert statuses == {catalog.id_card: "suspended", catalog.marriage: "valid"}


async def test_a_redelivered_event_is_applied_once_and_others_wallets_stay_apart(
    rescode: RunningService, app_backend: Headers, catalog: SampleCatalog, publisher: Publisher
) -> None:
    holder, neighbour = person(), person()
    issued = licence_issued(holder, catalog.id_card)
    envelope = publisher.envelope(issued)
    await publisher.publish_envelope(envelope)
    await wait_status(rescode, str(issued.licence_id), "valid")
    consumer = rescode.runtime.consumer("rescode-certificates")
    processed, duplicates = consumer.stats.processed, consumer.stats.duplicates
    # The same event again beyond JetStream's de-duplication: the inbox recognises it.
    await rescode.runtime.nats.js.publish(
        rescode.runtime.subject(envelope.nats_subject), envelope.to_bytes()
    )
    await wait_until(lambda: consumer.stats.duplicates == duplicates + 1)
    assert consumer.stats.processed == processed
    assert (await wallet(rescode, app_backend, neighbour))["licences"] == []


async def test_reading_a_wallet_needs_the_scope_and_a_valid_holder(
    rescode: RunningService, app_backend: Headers, catalog: SampleCatalog
) -> None:
    holder = person()
    url = f"/v1/holders/{holder}/wallet"
    assert (await rescode.client.get(url)).status_code == 401
    counter = rescode.auth(catalog.police, "codes:resolve")
    assert (await rescode.client.get(url, headers=counter)).status_code == 403
    bad = await rescode.client.get("/v1/holders/222:123/wallet", headers=app_backend)
    assert bad.status_code == 422
    assert "holder code type" in bad.text
