"""Faults in the scaled-out configuration, on the real processes: a Rasa shard killed under
load, an API process killed under load, the database restarted."""

import asyncio
import shutil
import subprocess
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest

from api.core.rasa import shard_of
from tests.scaled.harness import Scaled
from tests.tokens import cca_identity

UNAVAILABLE = "L'assistant est momentanément indisponible."
DOWN = "Le service est momentanément indisponible."
BACK_SECONDS = 240.0


def conversations_on(scaled: Scaled, shard: str, count: int) -> list[str]:
    """New conversation ids the gateway sends to this shard."""
    found: list[str] = []
    while len(found) < count:
        candidate = f"scaled-{uuid.uuid4().hex}"
        if shard_of(candidate, scaled.layout.rasa_urls) == shard:
            found.append(candidate)
    return found


def test_a_killed_shard_fails_only_its_conversations_which_continue_after_its_restart(
    scaled: Scaled,
) -> None:
    kept, killed = scaled.layout.rasa_urls
    [form] = conversations_on(scaled, killed, 1)
    theirs = conversations_on(scaled, killed, 4)
    others = conversations_on(scaled, kept, 8)
    with httpx.Client(timeout=30) as http:
        # A CCA is in the middle of the FSD form on the shard about to die.
        started = scaled.say(
            http, form, text="je veux ouvrir une fiche service desk", identity_token=cca_identity()
        )
        assert "Quel titre" in started.json()["messages"][-1]["text"], started.text
        for conversation in theirs + others:
            assert scaled.say(http, conversation, text="bonjour").status_code == 200

        scaled.kill("rasa2")

        with ThreadPoolExecutor(max_workers=8) as pool:
            during = list(
                pool.map(lambda c: scaled.say(http, c, text="mot de passe oublié"), others * 3)
            )
        assert [r.status_code for r in during] == [200] * len(during)
        for conversation in theirs:
            refused = scaled.say(http, conversation, text="Mon EJ est bloqué")
            assert refused.status_code == 503
            assert refused.json()["message"].startswith(UNAVAILABLE)
            assert scaled.transcript(http, conversation)[-1] == "Mon EJ est bloqué"  # kept

        scaled.wait_healthy(BACK_SECONDS)  # supervisord started it again

        # The form goes on where it was: the shard read the conversation from the shared store.
        title = scaled.say(http, form, text="Centre financier refusé")
        assert "Décrivez le problème" in title.json()["messages"][-1]["text"], title.text
        for conversation in theirs:
            assert scaled.say(http, conversation, text="bonjour").status_code == 200


def test_a_killed_api_process_fails_at_most_the_requests_in_flight(scaled: Scaled) -> None:
    """Six clients chat without pause; the widget retries a failed message once with the same
    id. Only requests in flight on the killed process fail; their retry is answered, or told
    the message is being answered (the killed process had stored it), and the conversation
    goes on (its token is given back even then)."""
    workers, stop = 6, threading.Event()
    first_tries: list[tuple[float, int]] = []
    retries: list[int] = []

    def send(http: httpx.Client, conversation: str, text: str, message_id: str) -> int:
        try:
            return scaled.say(
                http, conversation, text=text, client_message_id=message_id
            ).status_code
        except httpx.HTTPError:
            return 0

    def chat(worker: int) -> None:
        with httpx.Client(timeout=30) as http:
            while not stop.is_set():
                conversation = f"scaled-api-{worker}-{uuid.uuid4().hex}"
                for text in ("bonjour", "mot de passe oublié", "merci"):
                    message_id = uuid.uuid4().hex
                    status = send(http, conversation, text, message_id)
                    first_tries.append((time.monotonic(), status))
                    if status != 200:
                        time.sleep(1)  # the widget's retry delay
                        retries.append(send(http, conversation, text, message_id))

    threads = [threading.Thread(target=chat, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    time.sleep(4)
    killed_at = time.monotonic()
    scaled.kill("api1")
    time.sleep(12)  # supervisord starts it again meanwhile: nginx takes it back
    stop.set()
    for thread in threads:
        thread.join()

    failures = [(round(at - killed_at, 2), status) for at, status in first_tries if status != 200]
    print(
        f"\nAPI process killed: {len(first_tries)} requests, failed {failures}, retries {retries}"
    )
    assert len(failures) <= workers, failures  # at most one request in flight per client
    assert all(at < 3 for at, _ in failures), failures
    assert set(retries) <= {200, 409}, retries
    assert sum(1 for at, status in first_tries if at > killed_at + 1 and status == 200) >= 10
    scaled.wait_healthy(60)


def _postgres_restart_command() -> list[str]:
    clusters = shutil.which("pg_lsclusters")
    if clusters is None:
        pytest.fail("pg_lsclusters is missing: PostgreSQL is not Debian's package here")
    listed = subprocess.run([clusters, "--no-header"], capture_output=True, text=True, check=True)
    version, cluster = listed.stdout.split()[:2]
    return ["pg_ctlcluster", version, cluster, "restart"]


async def _postmaster_start() -> datetime:
    connection = await asyncpg.connect(host="127.0.0.1", user="postgres", database="postgres")
    try:
        started: datetime = await connection.fetchval("SELECT pg_postmaster_start_time()")
    finally:
        await connection.close()
    return started


def test_a_database_restart_fails_cleanly_and_the_service_recovers_by_itself(
    scaled: Scaled,
) -> None:
    statuses: list[tuple[float, int, str]] = []
    stop = threading.Event()

    def probe() -> None:
        with httpx.Client(timeout=30) as http:
            while not stop.is_set():
                conversation = f"scaled-db-{uuid.uuid4().hex}"
                try:
                    response = scaled.say(http, conversation, text="bonjour")
                    statuses.append((time.monotonic(), response.status_code, response.text))
                except httpx.HTTPError as exc:
                    statuses.append((time.monotonic(), 0, repr(exc)))
                time.sleep(0.2)

    started_before = asyncio.run(_postmaster_start())
    prober = threading.Thread(target=probe)
    prober.start()
    time.sleep(2)
    subprocess.run(_postgres_restart_command(), check=True, timeout=120)
    restarted_at = time.monotonic()
    recovered = scaled.wait_healthy(60)
    time.sleep(5)
    stop.set()
    prober.join()

    assert asyncio.run(_postmaster_start()) > started_before  # it did restart
    counts = Counter(status for _, status, _ in statuses)
    print(f"\nDuring the restart: {dict(counts)}; healthy again {recovered:.1f} s after it")

    assert {status for _, status, _ in statuses} <= {200, 503}, statuses
    for _, status, body in statuses:
        if status == 503:
            assert DOWN in body or UNAVAILABLE in body, body
    after = [status for at, status, _ in statuses if at > restarted_at + recovered + 1]
    assert after and all(status == 200 for status in after), statuses
