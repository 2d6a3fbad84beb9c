"""Daphne killed with SIGKILL in the middle of a stream of xAPI batches from a trusted client: every batch that
was answered 200 is in the database afterwards exactly once, and batches sent again after the restart (the ones
left without an answer, and one that had been answered) are accepted without a duplicate. Figures are printed for
platform/SECURITY.md."""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from platform_faults import (
    completed_batch,
    copy_of_e2e_database,
    homepage,
    platform_on,
    post_batch,
    prefix_for,
    stored_statement_ids,
    trusted_client,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ACTIVITY_TYPE = "https://example.org/faults/activity-types/kill"
SENDERS = 4
BATCH = 20
KILL_AFTER = 24  # answered batches before the kill


def test_batches_answered_200_survive_a_sigkill_exactly_once(e2e, tmp_path):
    from django.conf import settings

    database_url, drop_database = copy_of_e2e_database(e2e, "kill")
    platform = platform_on(e2e, database_url, settings.REDIS_URL, tmp_path, prefix_for("faultskill"))
    try:
        credentials = trusted_client(platform)
        home = homepage(platform)
        base = platform.start_worker()
        daphne = platform.workers[0][0]

        answered: list[list[dict]] = []
        unanswered: list[list[dict]] = []
        lock = threading.Lock()
        killed = threading.Event()

        def send_until_killed() -> None:
            while not killed.is_set():
                batch = completed_batch(home, ACTIVITY_TYPE, ["demo_member"] * BATCH)
                try:
                    status = post_batch(base, credentials, batch, timeout=20)
                except OSError:  # the connection dropped: no answer
                    status = None
                with lock:
                    (answered if status == 200 else unanswered).append(batch)
                    if status not in (200, None):
                        raise AssertionError(f"a batch was answered {status}")

        with ThreadPoolExecutor(SENDERS) as pool:
            futures = [pool.submit(send_until_killed) for _ in range(SENDERS)]
            deadline = time.monotonic() + 120
            while len(answered) < KILL_AFTER and time.monotonic() < deadline:
                time.sleep(0.02)
            assert len(answered) >= KILL_AFTER, "too few batches answered before the deadline"
            os.kill(daphne.pid, signal.SIGKILL)
            killed_at = time.monotonic()
            killed.set()
            daphne.wait(timeout=10)
            for future in futures:
                future.result()
        in_flight = len(unanswered)
        print(
            f"\nkill: {len(answered)} batches of {BATCH} answered 200 before SIGKILL, "
            f"{in_flight} in flight or refused while daphne died"
        )

        platform.workers.clear()
        base = platform.start_worker()
        print(f"kill: a new daphne answered {time.monotonic() - killed_at:.1f} s after the kill")

        acknowledged = [s["id"] for batch in answered for s in batch]
        counts = stored_statement_ids(platform, acknowledged)
        assert [i for i, n in counts.items() if n != 1] == []

        # Clients send again what got no answer; the store takes each statement once, whether or not it had it.
        in_flight_ids = [s["id"] for batch in unanswered for s in batch]
        already = sum(1 for n in stored_statement_ids(platform, in_flight_ids).values() if n) if in_flight_ids else 0
        for batch in [*unanswered, answered[0]]:
            assert post_batch(base, credentials, batch) == 200
        counts = stored_statement_ids(platform, acknowledged + in_flight_ids)
        assert set(counts.values()) == {1}
        print(
            f"kill: of {len(in_flight_ids)} statements without an answer, {already} had been stored; "
            "all sent again, each stored once"
        )
    finally:
        platform.stop()
        drop_database()
