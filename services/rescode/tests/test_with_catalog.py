"""With the real catalog service: its seeded ``catalog.*`` events feed rescode's read model,
and a consent for a real item covers the licence types the item's materials name."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

# A test may run the catalog beside rescode (each on its own database, talking by events);
# the service itself never imports it.
from wuzheng.catalog.app import DEFINITION as CATALOG  # noqa: TID251
from wuzheng.messaging.testing import wait_until
from wuzheng.rescode.app import DEFINITION as RESCODE
from wuzheng.rescode.catalog_view.models import CatalogItem, CatalogItemLicenceType
from wuzheng.rescode.testing import Publisher, licence_issued, person, wait_for_row
from wuzheng.rescode.wallet.models import WalletLicence
from wuzheng.service.testing import ServiceHarness


@pytest.mark.slow
async def test_a_scan_for_a_real_item_shows_what_its_materials_name(
    service_harness: ServiceHarness,
) -> None:
    async with service_harness.run(CATALOG) as catalog, service_harness.run(RESCODE) as rescode:
        items = await catalog.client.get("/v1/items", params={"mode": "e_licence", "limit": 1})
        item = items.json()["items"][0]
        detail = (await catalog.client.get(f"/v1/items/{item['seq_no']}")).json()
        named = sorted({m["licence_type"] for m in detail["materials"] if m["licence_type"]})
        licence_types = (await catalog.client.get(f"/v1/licence-types/{named[0]}")).json()
        assert licence_types["holder_kind"] == "person", "the test needs a person's licence"

        async def read_model_has_the_item() -> bool:
            async with rescode.runtime.database.sessionmaker() as session:
                got = await session.scalars(
                    sa.select(CatalogItemLicenceType.licence_type).where(
                        CatalogItemLicenceType.item_seq_no == item["seq_no"]
                    )
                )
                row = await session.get(CatalogItem, item["seq_no"])
                return sorted(got) == named and row is not None and row.name == item["name"]

        await wait_until(read_model_has_the_item, timeout=120, message="catalogue read model")

        holder = person()
        licence = licence_issued(
            holder, named[0], type_name=licence_types["name"], department=item["department"]
        )
        await Publisher.of(rescode.runtime).publish(licence)
        await wait_for_row(
            rescode.runtime,
            sa.select(WalletLicence).where(WalletLicence.licence_id == str(licence.licence_id)),
        )
        backend = rescode.auth("aishandong", "codes:issue", "consents:manage")
        consent = await rescode.client.post(
            "/v1/consents",
            json={
                "holder": holder,
                "department": item["department"],
                "item_seq_no": item["seq_no"],
                "licence_types": [named[0]],
            },
            headers=backend,
        )
        assert consent.status_code == 201, consent.text
        assert consent.json()["department_name"] == item["department_name"]
        code = await rescode.client.post("/v1/codes", json={"holder": holder}, headers=backend)
        scan = await rescode.client.post(
            "/v1/codes/resolve",
            json={
                "code": code.json()["qr"]["payload"],
                "item_seq_no": item["seq_no"],
                "purpose": "受理",
            },
            headers=rescode.auth(item["department"], "codes:resolve"),
        )
        assert scan.status_code == 200, scan.text
        assert scan.json()["item_name"] == item["name"]
        assert [lic["licence_id"] for lic in scan.json()["licences"]] == [str(licence.licence_id)]
