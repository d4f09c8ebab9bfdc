"""Logins are throttled per user name and per address (in Redis when several API processes
share the count), and an unknown user name cannot be told from a wrong password by timing."""

import secrets
import statistics
import time

import httpx

from api.auth import service as auth_service
from api.auth.models import Role
from api.core.db import create_engine, create_session_factory
from tests.api.conftest import STAFF_PASSWORD, ClientFactory

TOKEN = "/api/v1/auth/token"
TOO_MANY = "Trop de tentatives de connexion : réessayez dans quelques minutes."


async def account(database_url: str, username: str) -> None:
    engine = create_engine(database_url)
    async with create_session_factory(engine)() as session:
        await auth_service.create_user(
            db_session=session, username=username, password=STAFF_PASSWORD, roles=[Role.ADMIN]
        )
        await session.commit()
    await engine.dispose()


async def log_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post(TOKEN, json={"username": username, "password": password})


async def test_after_five_wrong_passwords_even_the_right_one_waits(
    make_client: ClientFactory, database_url: str, unused_url: str
) -> None:
    client = await make_client(rasa_url=unused_url, action_server_url=unused_url)
    await account(database_url, "marie")
    for _ in range(5):
        assert (await log_in(client, "marie", "devine-devine")).status_code == 401

    refused = await log_in(client, "Marie ", STAFF_PASSWORD)  # same user name, other spelling
    assert refused.status_code == 429
    assert refused.json()["message"] == TOO_MANY
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60


async def test_a_success_clears_the_count_of_its_user_name(
    make_client: ClientFactory, database_url: str, unused_url: str
) -> None:
    client = await make_client(rasa_url=unused_url, action_server_url=unused_url)
    await account(database_url, "paul")
    for _ in range(4):
        await log_in(client, "paul", "faux-mot-de-passe")
    assert (await log_in(client, "paul", STAFF_PASSWORD)).status_code == 200
    for _ in range(4):
        assert (await log_in(client, "paul", "faux-mot-de-passe")).status_code == 401


async def test_one_address_trying_many_user_names_is_stopped(
    make_client: ClientFactory, unused_url: str
) -> None:
    client = await make_client(
        rasa_url=unused_url,
        action_server_url=unused_url,
        login_attempts_per_address="8/15 minutes",
    )
    codes = [(await log_in(client, f"agent{n}", "azerty")).status_code for n in range(10)]
    assert codes == [401] * 8 + [429] * 2


async def test_api_processes_sharing_redis_share_the_count(
    make_client: ClientFactory, database_url: str, unused_url: str
) -> None:
    redis = "redis://127.0.0.1:6379/15"
    first, second = [
        await make_client(
            rasa_url=unused_url, action_server_url=unused_url, throttle_redis_url=redis
        )
        for _ in range(2)
    ]
    username = f"partage-{secrets.token_hex(4)}"  # the Redis count outlives the test
    await account(database_url, username)
    for client in (first, second, first, second, first):
        assert (await log_in(client, username, "mauvais")).status_code == 401
    assert (await log_in(second, username, STAFF_PASSWORD)).status_code == 429


async def test_an_unknown_user_name_takes_as_long_as_a_wrong_password(
    make_client: ClientFactory, database_url: str, unused_url: str
) -> None:
    """Before, an unknown name answered in 10 ms and a known one in 315 ms (argon2)."""
    client = await make_client(
        rasa_url=unused_url,
        action_server_url=unused_url,
        login_attempts_per_username="100/minute",
        login_attempts_per_address="100/minute",
    )
    await account(database_url, "claire")

    async def median_seconds(username: str) -> float:
        durations = []
        for _ in range(5):
            started = time.perf_counter()
            assert (await log_in(client, username, "pas-le-bon")).status_code == 401
            durations.append(time.perf_counter() - started)
        return statistics.median(durations)

    await log_in(client, "inconnu", "x")  # the decoy hash is computed once, on first use
    known, unknown = await median_seconds("claire"), await median_seconds("personne")
    assert unknown > known / 3, (known, unknown)
