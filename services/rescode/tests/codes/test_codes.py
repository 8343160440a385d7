"""``/v1/codes``: issuing, drawing, rotating and resolving codes; every refusal says why."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from barcode.charsets import code128  # type: ignore[import-untyped]

from wuzheng.contracts import HolderCode
from wuzheng.rescode.codes.images import barcode_svg
from wuzheng.rescode.codes.models import Code
from wuzheng.rescode.context import Rescode
from wuzheng.rescode.keys import CodeSigner, b64url, b64url_decode
from wuzheng.rescode.ratelimit import ResolveLimiter
from wuzheng.rescode.testing import (
    EventTap,
    FakeClock,
    SampleCatalog,
    later,
    organisation,
    person,
)
from wuzheng.service.testing import RunningService

Headers = dict[str, str]


async def issue(rescode: RunningService, headers: Headers, holder: HolderCode, **extra: str) -> Any:
    response = await rescode.client.post(
        "/v1/codes", json={"holder": holder, **extra}, headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def resolve(
    rescode: RunningService, headers: Headers, code: str, item: int = 101, **extra: object
) -> httpx.Response:
    return await rescode.client.post(
        "/v1/codes/resolve",
        json={"code": code, "item_seq_no": item, "purpose": "办理户口迁移", **extra},
        headers=headers,
    )


async def access_log(rescode: RunningService, headers: Headers, holder: HolderCode) -> Any:
    response = await rescode.client.get(f"/v1/holders/{holder}/access-log", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def problem_type(response: httpx.Response) -> str:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return str(response.json()["type"]).rsplit("/", 1)[1]


async def test_a_code_has_a_signed_qr_payload_digits_and_a_barcode(
    rescode: RunningService, app_backend: Headers, catalog: SampleCatalog
) -> None:
    holder = person()
    code = await issue(rescode, app_backend, holder)

    assert code["holder"] == {"code": holder.masked(), "kind": "person", "masked": True}
    assert code["ttl_seconds"] == 60
    assert code["qr"]["payload"].startswith("WZRC1.")
    assert holder.code not in code["qr"]["payload"]  # the QR names no one
    digits = code["digits"]
    assert re.fullmatch(r"[0-9]{18}", digits)
    assert code["digits_display"].replace(" ", "") == digits
    assert code["barcode"] == {
        "symbology": "code128",
        "data": digits,
        "svg": f"/v1/codes/{code['code_id']}/barcode.svg",
        "png": f"/v1/codes/{code['code_id']}/barcode.png",
    }

    async with rescode.runtime.database.sessionmaker() as session:
        row = await session.get(Code, code["code_id"])
    assert row is not None
    # Nothing personal in clear: the holder is an HMAC and a sealed blob, digits a hash.
    assert holder.code not in row.holder_hash
    assert holder.code.encode() not in row.holder_sealed
    assert digits not in row.digits_hash


def decode_code128(svg: str) -> str:
    """The digits a python-barcode Code 128 SVG draws, read back from its bars."""
    bars = [
        (float(x), float(width))
        for x, width in re.findall(r'<rect x="([0-9.]+)mm" y="[0-9.]+mm" width="([0-9.]+)mm"', svg)
    ]
    module = min(width for _, width in bars)
    start = bars[0][0]
    modules = ["0"] * round((bars[-1][0] + bars[-1][1] - start) / module)
    for x, width in bars:
        first = round((x - start) / module)
        for i in range(round(width / module)):
            modules[first + i] = "1"
    pattern = "".join(modules)
    values = []
    for i in range(0, len(pattern) - 13, 11):
        values.append(code128.CODES.index(pattern[i : i + 11]))
    assert pattern.endswith(code128.STOP + "11")  # stop symbol and termination bar
    start_code, *data, check = values
    assert start_code == 105  # Start C: digit pairs
    assert check == (start_code + sum(i * v for i, v in enumerate(data, start=1))) % 103
    return "".join(f"{v:02d}" for v in data)


@pytest.mark.parametrize(
    "digits",
    ["991833760726250667", "999999999999999999", "001833760726250600", "123456789012345699"],
)
def test_the_barcode_draws_every_digit(digits: str) -> None:
    # A leading pair 99 is also the value of Code 128's "switch to C" (python-barcode #251).
    assert decode_code128(barcode_svg(digits).decode()) == digits


async def test_the_images_draw_the_live_code(
    rescode: RunningService, app_backend: Headers, catalog: SampleCatalog
) -> None:
    code = await issue(rescode, app_backend, person())
    base = f"/v1/codes/{code['code_id']}"

    barcode_svg = await rescode.client.get(f"{base}/barcode.svg", headers=app_backend)
    assert barcode_svg.status_code == 200
    assert barcode_svg.headers["content-type"] == "image/svg+xml"
    assert barcode_svg.headers["cache-control"] == "no-store"
    assert decode_code128(barcode_svg.text) == code["digits"]

    qr_svg = await rescode.client.get(f"{base}/qr.svg", headers=app_backend)
    assert qr_svg.headers["content-type"] == "image/svg+xml"
    assert "<svg" in qr_svg.text
    for image in ("qr.png", "barcode.png"):
        png = await rescode.client.get(f"{base}/{image}", headers=app_backend)
        assert png.status_code == 200, png.text
        assert png.headers["content-type"] == "image/png"
        assert png.content.startswith(b"\x89PNG\r\n\x1a\n")

    small = await rescode.client.get(f"{base}/qr.png?scale=1", headers=app_backend)
    large = await rescode.client.get(f"{base}/qr.png?scale=10", headers=app_backend)
    assert len(small.content) < len(large.content)
    assert (
        await rescode.client.get(f"{base}/qr.png?scale=99", headers=app_backend)
    ).status_code == 422
    assert (await rescode.client.get(f"{base}/qr.gif", headers=app_backend)).status_code == 422
    missing = await rescode.client.get(f"/v1/codes/{'0' * 32}/qr.svg", headers=app_backend)
    assert missing.status_code == 404
    assert (await rescode.client.get(f"{base}/qr.svg")).status_code == 401


async def test_a_qr_payload_resolves_once_to_the_masked_identity(
    rescode: RunningService,
    app_backend: Headers,
    counter: Callable[..., Headers],
    catalog: SampleCatalog,
    tap: EventTap,
) -> None:
    holder = person()
    code = await issue(rescode, app_backend, holder)

    first = await resolve(rescode, counter(), code["qr"]["payload"])
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["holder"] == {"code": holder.masked(), "kind": "person", "masked": True}
    assert body["consented"] is False  # no consent: identity only
    assert body["licences"] == []
    assert body["acting"] is None
    assert body["department"] == "public-security"
    assert body["operator_id"] == "op-7"
    assert body["item_name"] == "户口迁移"

    again = await resolve(rescode, counter(), code["qr"]["payload"])
    assert again.status_code == 409
    assert problem_type(again) == "code-used"
    by_digits = await resolve(rescode, counter(), code["digits"])
    assert problem_type(by_digits) == "code-used"

    scanned = (await tap.wait_for("rescode.code.scanned"))[0]
    assert scanned.holder == holder
    assert scanned.consented is False
    assert scanned.caller_department == "public-security"
    recorded = (await tap.wait_for("rescode.access.recorded"))[0]
    assert (recorded.holder, recorded.source, recorded.result) == (holder, "scan", "identity_only")
    assert recorded.record_id == body["access_record_id"]


async def test_typed_digits_resolve_with_spaces_and_a_case_system_sees_the_full_number(
    rescode: RunningService,
    app_backend: Headers,
    counter: Callable[..., Headers],
    catalog: SampleCatalog,
) -> None:
    holder = person()
    code = await issue(rescode, app_backend, holder)
    response = await resolve(
        rescode, counter("public-security", "evidence:request"), code["digits_display"]
    )
    assert response.status_code == 200, response.text
    assert response.json()["holder"] == {"code": str(holder), "kind": "person", "masked": False}


async def test_codes_rotate_and_expire(
    rescode: RunningService,
    app_backend: Headers,
    counter: Callable[..., Headers],
    catalog: SampleCatalog,
    clock: FakeClock,
) -> None:
    holder = person()
    older = await issue(rescode, app_backend, holder)
    newer = await issue(rescode, app_backend, holder)
    replaced = await resolve(rescode, counter(), older["qr"]["payload"])
    assert replaced.status_code == 410
    assert problem_type(replaced) == "code-expired"
    assert "replaced" in replaced.json()["detail"]
    image = await rescode.client.get(f"/v1/codes/{older['code_id']}/qr.svg", headers=app_backend)
    assert image.status_code == 410

    clock.advance(61)
    expired = await resolve(rescode, counter(), newer["qr"]["payload"])
    assert problem_type(expired) == "code-expired"
    assert problem_type(await resolve(rescode, counter(), newer["digits"])) == "code-expired"

    # Another holder's code is unaffected by the rotation.
    other = await issue(rescode, app_backend, person())
    assert (await resolve(rescode, counter(), other["digits"])).status_code == 200


async def test_expired_codes_are_purged_but_still_refused_as_expired(
    rescode: RunningService,
    state: Rescode,
    app_backend: Headers,
    counter: Callable[..., Headers],
    catalog: SampleCatalog,
    clock: FakeClock,
) -> None:
    code = await issue(rescode, app_backend, person())
    clock.advance(60 + state.settings.code_retention_seconds + 1)
    resource = next(r for r in rescode.runtime.extra_resources if r.name == "rescode")
    assert await resource.purge_once() == 1  # type: ignore[attr-defined]
    assert problem_type(await resolve(rescode, counter(), code["qr"]["payload"])) == "code-expired"
    assert problem_type(await resolve(rescode, counter(), code["digits"])) == "code-invalid"


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda p: p[:-3] + ("AAA" if p[-3:] != "AAA" else "BBB"), "signature"),
        (lambda p: p[:10] + ("x" if p[10] != "x" else "y") + p[11:], "signature"),
        (lambda p: p[:-2], "length"),  # 96 whole bytes: one short
        (lambda p: p + "!", "base64url"),
        (lambda p: "WZRC2." + p[6:], "QR payload"),
        (lambda p: "", "at least 1"),
        (lambda p: "12345678901234567", "18 digits"),
        (lambda p: "123456789012345678", "check digit"),
        (lambda p: "abc", "QR payload"),
    ],
)
async def test_altered_or_malformed_codes_are_invalid(
    rescode: RunningService,
    app_backend: Headers,
    counter: Callable[..., Headers],
    catalog: SampleCatalog,
    mangle: Callable[[str], str],
    reason: str,
) -> None:
    code = await issue(rescode, app_backend, person())
    response = await resolve(rescode, counter(), mangle(code["qr"]["payload"]))
    assert response.status_code in (400, 422), response.text
    assert reason in response.text
    # Nothing was used up: the real code still resolves.
    assert (await resolve(rescode, counter(), code["qr"]["payload"])).status_code == 200


async def test_a_code_forged_with_another_key_or_for_another_id_is_invalid(
    rescode: RunningService,
    state: Rescode,
    app_backend: Headers,
    counter: Callable[..., Headers],
    catalog: SampleCatalog,
) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    code = await issue(rescode, app_backend, person())
    raw = b64url_decode(code["qr"]["payload"][6:])
    forger = CodeSigner(Ed25519PrivateKey.generate())
    issued, expires = int.from_bytes(raw[17:21]), int.from_bytes(raw[21:25])
    forged = forger.sign(code["code_id"], issued, expires)
    response = await resolve(rescode, counter(), forged)
    assert problem_type(response) == "code-invalid"
    assert "does not know" in response.json()["detail"]

    # Re-signing the real key id with a foreign key: the signature does not match.
    spliced = "WZRC1." + b64url(raw[:25] + raw[25:33] + b64url_decode(forged[6:])[33:])
    response = await resolve(rescode, counter(), spliced)
    assert "signature does not match" in response.json()["detail"]

    # A correctly signed id that was never issued.
    unknown = state.signer.sign("ab" * 16, issued, expires)
    assert problem_type(await resolve(rescode, counter(), unknown)) == "code-invalid"
    # Unknown digits with a right check digit.
    from stdnum import luhn

    digits = "1" * 17
    response = await resolve(rescode, counter(), digits + luhn.calc_check_digit(digits))
    assert problem_type(response) == "code-invalid"


async def test_resolving_needs_a_department_token_with_the_scope(
    rescode: RunningService, app_backend: Headers, catalog: SampleCatalog
) -> None:
    code = await issue(rescode, app_backend, person())
    anonymous = await resolve(rescode, {}, code["digits"])
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    wrong_scope = await resolve(rescode, app_backend, code["digits"])
    assert wrong_scope.status_code == 403
    no_department = rescode.auth("", "codes:resolve")
    assert (await resolve(rescode, no_department, code["digits"])).status_code == 403
    assert (await rescode.client.post("/v1/codes", json={"holder": person()})).status_code == 401


async def test_bad_requests_change_nothing(
    rescode: RunningService,
    app_backend: Headers,
    counter: Callable[..., Headers],
    catalog: SampleCatalog,
) -> None:
    code = await issue(rescode, app_backend, person())
    unknown_item = await resolve(rescode, counter(), code["digits"], item=999)
    assert unknown_item.status_code == 422
    assert "unknown service item 999" in unknown_item.text
    other_operator = await resolve(rescode, counter(), code["digits"], operator_id="op-8")
    assert other_operator.status_code == 422
    extra = await resolve(rescode, counter(), code["digits"], colour="red")
    assert extra.status_code == 422
    assert (await resolve(rescode, counter(), code["digits"], purpose="")).status_code == 422
    # The code survived every refusal.
    assert (await resolve(rescode, counter(), code["digits"])).status_code == 200

    bad_holder = await rescode.client.post(
        "/v1/codes", json={"holder": "111:370784199001011230"}, headers=app_backend
    )
    assert bad_holder.status_code == 422
    assert "check character" in bad_holder.text


async def test_an_organisation_code_needs_an_agent_with_a_mandate(
    rescode: RunningService,
    app_backend: Headers,
    counter: Callable[..., Headers],
    catalog: SampleCatalog,
) -> None:
    company, staff = organisation(), person()
    alone = await rescode.client.post("/v1/codes", json={"holder": company}, headers=app_backend)
    assert alone.status_code == 422
    assert "agent" in alone.json()["detail"]
    no_mandate = await rescode.client.post(
        "/v1/codes", json={"holder": company, "agent": staff}, headers=app_backend
    )
    assert no_mandate.status_code == 403
    assert problem_type(no_mandate) == "mandate-required"

    mandate = await rescode.client.post(
        "/v1/mandates",
        json={
            "principal": company,
            "agent": staff,
            "relation": "company_staff",
            "valid_until": later(30),
        },
        headers=app_backend,
    )
    assert mandate.status_code == 201, mandate.text
    code = await issue(rescode, app_backend, company, agent=staff)
    assert code["holder"] == {"code": str(company), "kind": "organisation", "masked": False}
    assert code["acting"]["relation_label"] == "企业经办人"

    scanned = await resolve(rescode, counter("civil-affairs"), code["qr"]["payload"], item=202)
    assert scanned.status_code == 200, scanned.text
    acting = scanned.json()["acting"]
    assert acting["statement"] == f"{staff.masked()} acting for {company} (企业经办人)"
    assert acting["agent"]["masked"] is True
    assert acting["mandate_id"] == mandate.json()["mandate_id"]


async def test_resolving_is_rate_limited_per_caller(
    rescode: RunningService,
    state: Rescode,
    app_backend: Headers,
    counter: Callable[..., Headers],
    catalog: SampleCatalog,
) -> None:
    state.limiter = ResolveLimiter(
        rate_per_second=0.001, burst=100, failures_per_minute=0.06, failure_burst=3
    )
    guesser = counter("public-security", operator="guesser")
    for _ in range(3):
        assert problem_type(await resolve(rescode, guesser, "1" * 18)) == "code-invalid"
    blocked = await resolve(rescode, guesser, "1" * 18)
    assert blocked.status_code == 429
    assert problem_type(blocked) == "rate-limited"
    assert int(blocked.headers["retry-after"]) >= 1
    # Blocked even with a real code; another caller is not.
    code = await issue(rescode, app_backend, person())
    assert (await resolve(rescode, guesser, code["digits"])).status_code == 429
    other = rescode.auth("public-security", "codes:resolve", operator="honest")
    assert (await resolve(rescode, other, code["digits"])).status_code == 200

    state.limiter = ResolveLimiter(
        rate_per_second=0.001, burst=2, failures_per_minute=60, failure_burst=10
    )
    for _ in range(2):
        await resolve(rescode, guesser, "1" * 18)
    flood = await resolve(rescode, guesser, "1" * 18)
    assert flood.status_code == 429
    assert "attempts" in flood.json()["detail"]


async def test_two_concurrent_scans_use_a_code_once(
    rescode: RunningService,
    app_backend: Headers,
    counter: Callable[..., Headers],
    catalog: SampleCatalog,
) -> None:
    import asyncio

    holder = person()
    code = await issue(rescode, app_backend, holder)
    results = await asyncio.gather(
        *(resolve(rescode, counter(operator=f"op-{i}"), code["digits"]) for i in range(4))
    )
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 409, 409, 409]
    async with rescode.runtime.database.sessionmaker() as session:
        used = await session.scalar(sa.select(Code.used_at).where(Code.id == code["code_id"]))
    assert used is not None
    # The losers are in the holder's log beside the winner, whichever way they lost (the
    # code seen used, or the UPDATE that marks it lost to another scan's).
    log = await access_log(rescode, app_backend, holder)
    assert sorted(r["result"] for r in log["records"]) == [
        "code-used",
        "code-used",
        "code-used",
        "identity_only",
    ]
    assert (log["chain"]["length"], log["chain"]["intact"]) == (4, True)


async def test_a_refused_scan_of_a_found_code_is_in_the_holders_log(
    rescode: RunningService,
    app_backend: Headers,
    counter: Callable[..., Headers],
    catalog: SampleCatalog,
    clock: FakeClock,
    tap: EventTap,
) -> None:
    holder = person()
    code = await issue(rescode, app_backend, holder)
    assert (await resolve(rescode, counter(), code["digits"])).status_code == 200
    elsewhere = counter(catalog.civil, operator="op-9")
    replayed = await resolve(rescode, elsewhere, code["qr"]["payload"])
    assert problem_type(replayed) == "code-used"
    newer = await issue(rescode, app_backend, holder)
    clock.advance(61)
    assert problem_type(await resolve(rescode, counter(), newer["digits"])) == "code-expired"
    # A code that is no code names no one: nothing to record, for anyone.
    assert problem_type(await resolve(rescode, counter(), "1" * 18)) == "code-invalid"

    log = await access_log(rescode, app_backend, holder)
    oldest_first = [
        (r["result"], r["department"], r["operator_id"], r["purpose"], r["item_seq_no"])
        for r in reversed(log["records"])
    ]
    assert oldest_first == [
        ("identity_only", "public-security", "op-7", "办理户口迁移", 101),
        ("code-used", catalog.civil, "op-9", "办理户口迁移", 101),
        ("code-expired", "public-security", "op-7", "办理户口迁移", 101),
    ]
    assert log["chain"]["intact"] is True
    announced = await tap.wait_for("rescode.access.recorded", count=3)
    assert sorted((a.result, a.record_id) for a in announced) == sorted(
        (r["result"], r["record_id"]) for r in log["records"]
    )
    assert {a.holder for a in announced} == {holder}
    # The refusals are still refused: the code stays used, nothing else changed.
    assert problem_type(await resolve(rescode, counter(), code["digits"])) == "code-used"
