"""An idle consumer's empty fetches are the normal case, not failures to back off from."""

import asyncio
import logging

import pytest

from wuzheng.messaging.testing import wait_until


async def test_empty_fetches_of_an_idle_consumer_are_not_failures(
    harness, caplog: pytest.LogCaptureFixture
) -> None:
    consumer = await harness.consumer(fetch_timeout=0.1)
    with caplog.at_level(logging.WARNING, logger="wuzheng.messaging"):
        await asyncio.sleep(1.0)  # about ten empty fetches
        envelope = harness.envelope(1)
        await harness.nats.js.publish(
            harness.outbox.subject_for(envelope),
            envelope.to_bytes(),
            headers=envelope.nats_headers(),
        )
        await wait_until(lambda: consumer.stats.processed == 1, timeout=10, message="applied")
    # an empty fetch is not a failure: no warning, and so no back-off of up to 5 s
    assert not [r for r in caplog.records if "fetch failed" in r.getMessage()]
