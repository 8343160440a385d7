"""The correction loop: resolved with a correction → the issuer amends the licence → the
dispute records the new version → every department that verified the old version is told.

The issuer's side is played by publishing ``certificate.licence.amended`` through an outbox
(tests/e2e has the loop with the real issuance service)."""

from __future__ import annotations

from typing import Any

from wuzheng.dispute.models import KnownLicence, LicenceVerification
from wuzheng.dispute.testing import (
    EventTap,
    World,
    licence_amended,
    licence_dispute,
    publish,
    row_count,
    verified,
)
from wuzheng.messaging.testing import wait_until


async def resolved_dispute(world: World) -> str:
    client = world.service.client
    staff = world.staff()
    response = await client.post(
        "/v1/disputes",
        json=licence_dispute(world.alice_card, holder=world.alice),
        headers=world.app(),
    )
    dispute_id: str = response.json()["id"]
    await client.post(f"/v1/disputes/{dispute_id}/accept", json={}, headers=staff)
    await client.post(f"/v1/disputes/{dispute_id}/process", json={}, headers=staff)
    resolved = await client.post(
        f"/v1/disputes/{dispute_id}/resolve",
        json={"note": "住址更正", "corrections": {"address": "安丘市兴安街道和平路1号"}},
        headers=staff,
    )
    assert resolved.status_code == 200, resolved.text
    return dispute_id


async def test_correction_is_recorded_and_propagated_to_every_verifier(
    world: World, tap: EventTap
) -> None:
    runtime = world.service.runtime
    old_id = str(world.alice_card.licence_id)
    await publish(
        runtime,
        verified(old_id, "taxation", world.alice),
        verified(old_id, "housing-fund", world.alice),
        verified(old_id, "taxation", world.alice),  # twice: told once
        verified(old_id, "bank-of-anqiu", world.alice, result="holder_mismatch"),  # got nothing
        verified(old_id, "water-supply", world.alice, result="issuer_unavailable"),  # nothing
        verified(str(world.bob_card.licence_id), "natural-resources", world.bob),  # another card
    )
    await wait_until(
        lambda: _count_is(runtime, 3), timeout=10, message="three answered verifications recorded"
    )
    dispute_id = await resolved_dispute(world)
    resolved = (await tap.wait_for("dispute.case.resolved"))[0]

    amended = licence_amended(
        world.alice_card, dispute_id=resolved.dispute_id, changed_fields=list(resolved.corrections)
    )
    await publish(runtime, amended)
    propagated = (await tap.wait_for("dispute.correction.propagated"))[0]
    assert propagated.dispute_id == dispute_id
    assert propagated.old_licence_id == old_id
    assert propagated.new_licence_id == str(amended.licence_id)
    assert propagated.departments == ("housing-fund", "taxation")
    assert propagated.changed_fields == ("address",)
    closed = (await tap.wait_for("dispute.case.closed"))[0]
    assert closed.outcome == "resolved"
    assert closed.licence_id == old_id

    seen = (
        await world.service.client.get(f"/v1/disputes/{dispute_id}", headers=world.staff())
    ).json()
    correction = seen["correction"]
    assert correction["status"] == "propagated"
    assert correction["new_licence_id"] == str(amended.licence_id)
    assert correction["departments_told"] == ["housing-fund", "taxation"]
    assert [h["kind"] for h in seen["history"]][-2:] == ["amended", "propagated"]
    holder_view = await world.service.client.get(
        f"/v1/disputes/{dispute_id}", params={"holder": str(world.alice)}, headers=world.app()
    )
    assert holder_view.json()["correction"]["new_licence_id"] == str(amended.licence_id)

    # A department whose verification of the old version arrives late is told on its own;
    # one already told is not told again.
    await publish(
        runtime,
        verified(old_id, "civil-affairs", world.alice),
        verified(old_id, "taxation", world.alice),
    )
    late = await tap.wait_for("dispute.correction.propagated", count=2)
    assert late[1].departments == ("civil-affairs",)
    # The same amendment delivered again (a replay) changes nothing.
    await publish(runtime, amended)
    await publish(runtime, verified(old_id, "market-supervision", world.alice))
    told = await tap.wait_for("dispute.correction.propagated", count=3)
    assert [event.departments for event in told] == [
        ("housing-fund", "taxation"),
        ("civil-affairs",),
        ("market-supervision",),
    ]
    final = (
        await world.service.client.get(f"/v1/disputes/{dispute_id}", headers=world.staff())
    ).json()
    assert final["correction"]["departments_told"] == [
        "civil-affairs", "housing-fund", "market-supervision", "taxation",
    ]  # fmt: skip
    assert len(tap.of_type("dispute.case.closed")) == 1
    # The old version is superseded in the read model: disputes go to the new one.
    again = await world.service.client.post(
        "/v1/disputes",
        json=licence_dispute(world.alice_card, holder=world.alice),
        headers=world.app(),
    )
    assert again.status_code == 409
    assert again.json()["current_licence_id"] == str(amended.licence_id)


async def _count_is(runtime: Any, n: int) -> bool:
    return await row_count(runtime, LicenceVerification.__table__) == n


async def _superseded(runtime: Any, licence_id: str) -> bool:
    async with runtime.database.sessionmaker() as session:
        row = await session.get(KnownLicence, licence_id)
    return row is not None and row.superseded_by is not None


async def test_resolution_targets_the_version_in_force(world: World, tap: EventTap) -> None:
    """If the issuer amended the licence for another reason meanwhile, the correction asks
    for the current version to be amended, and verifiers of both versions are told."""
    runtime = world.service.runtime
    client = world.service.client
    staff = world.staff()
    response = await client.post(
        "/v1/disputes",
        json=licence_dispute(world.alice_card, holder=world.alice),
        headers=world.app(),
    )
    dispute_id = response.json()["id"]
    interim = licence_amended(world.alice_card, dispute_id=None, changed_fields=["valid_until"])
    await publish(
        runtime,
        verified(str(world.alice_card.licence_id), "taxation", world.alice),
        interim,
        verified(str(interim.licence_id), "housing-fund", world.alice),
    )
    await wait_until(lambda: _count_is(runtime, 2), timeout=10, message="verifications")
    # the amendment travels on another consumer than the verifications: wait for it too
    await wait_until(
        lambda: _superseded(runtime, str(world.alice_card.licence_id)),
        timeout=10,
        message="interim amendment applied",
    )
    await client.post(f"/v1/disputes/{dispute_id}/accept", json={}, headers=staff)
    await client.post(f"/v1/disputes/{dispute_id}/process", json={}, headers=staff)
    await client.post(
        f"/v1/disputes/{dispute_id}/resolve",
        json={"note": "n", "corrections": {"address": "新住址"}},
        headers=staff,
    )
    resolved = (await tap.wait_for("dispute.case.resolved"))[0]
    assert resolved.licence_id == str(interim.licence_id)
    final = licence_amended(interim, dispute_id=dispute_id, changed_fields=["address"])
    await publish(runtime, final)
    propagated = (await tap.wait_for("dispute.correction.propagated"))[0]
    assert propagated.old_licence_id == str(world.alice_card.licence_id)
    assert propagated.new_licence_id == str(final.licence_id)
    assert propagated.departments == ("housing-fund", "taxation")
