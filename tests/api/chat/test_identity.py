"""Verified identity: only what the host portal signed gives rights (role CCA, ministry, email).
Every token here goes through the real API and the real bot."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from api.auth.identity import EXPIRED_MESSAGE, INVALID_MESSAGE
from tests.api.conftest import ClientFactory
from tests.tokens import cca_identity, identity_secret, sign_identity

FSD_REQUEST = "je veux ouvrir une fiche service desk"


def texts(reply: httpx.Response) -> str:
    return " ".join(m["text"] or "" for m in reply.json()["messages"])


async def say(client: httpx.AsyncClient, conversation: str, **body: Any) -> httpx.Response:
    return await client.post(f"/api/v1/conversations/{conversation}/messages", json=body)


def hs256_by_hand(claims: dict[str, Any], key: bytes) -> str:
    """An HS256 token built without PyJWT (which refuses a PEM key as an HMAC secret)."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing = part(b'{"alg":"HS256","typ":"JWT"}') + "." + part(json.dumps(claims).encode())
    signature = hmac.new(key, signing.encode(), hashlib.sha256).digest()
    return f"{signing}.{part(signature)}"


def forged(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"sub": "x", "role": "CCA", "aud": "assistant-chorus", "iat": now, "exp": now + 600}
    return {**claims, **changes}


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (jwt.encode(forged(), "not-the-portal-secret-" * 2, algorithm="HS256"), "Signature"),
        (jwt.encode(forged(), None, algorithm="none"), "algorithm 'none'"),
        (jwt.encode(forged(aud="another-app"), "a" * 40, algorithm="HS256"), "invalid"),
        ("not.a.jwt", "malformed"),
    ],
    ids=["wrong-secret", "alg-none", "wrong-key-and-audience", "garbage"],
)
async def test_a_forged_identity_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, token: str, reason: str
) -> None:
    conversation = uuid.uuid4().hex

    reply = await say(client, conversation, text=FSD_REQUEST, identity_token=token)

    assert reply.status_code == 401
    assert reply.json()["message"] == INVALID_MESSAGE
    assert reason.lower() in reply.json()["detail"].lower()
    assert (await client.get(f"/api/v1/conversations/{conversation}")).status_code == 404


async def test_claims_the_portal_did_not_sign_properly_are_refused(
    client: httpx.AsyncClient,
) -> None:
    secret = identity_secret()
    now = int(time.time())
    no_expiry = jwt.encode({"sub": "a", "aud": "assistant-chorus", "iat": now}, secret)
    forever = sign_identity(secret=secret, lifetime=30 * 24 * 3600, role="CCA")
    bad_email = sign_identity(secret=secret, email="pas-une-adresse")
    expired = sign_identity(secret=secret, lifetime=-120, role="CCA")

    replies = [
        await say(client, uuid.uuid4().hex, text="bonjour", identity_token=token)
        for token in (no_expiry, forever, bad_email, expired)
    ]

    assert [r.status_code for r in replies] == [401] * 4
    assert "exp" in replies[0].json()["detail"]
    assert "at most" in replies[1].json()["detail"]
    assert "email" in replies[2].json()["detail"]
    assert replies[3].json()["message"] == EXPIRED_MESSAGE


async def test_a_signed_cca_opens_the_form_and_keeps_the_right_for_the_conversation(
    client: httpx.AsyncClient,
) -> None:
    conversation = uuid.uuid4().hex
    anonymous = uuid.uuid4().hex

    claimed = await say(client, anonymous, text=FSD_REQUEST, metadata={"role": "CCA"})
    started = await say(client, conversation, text=FSD_REQUEST, identity_token=cca_identity())
    await say(client, conversation, payload="/cancel_form")
    # Later messages need no identity token; an expired one changes nothing.
    stale = sign_identity(secret=identity_secret(), lifetime=-120, role="CCA")
    again = await say(client, conversation, text=FSD_REQUEST, identity_token=stale)

    assert "Seul le correspondant Chorus applicatif (CCA)" in texts(claimed)
    assert "Si vous êtes vous-même CCA" in texts(claimed)
    assert "Quel titre" in texts(started)
    assert again.status_code == 200 and "Quel titre" in texts(again)


async def test_rs256_tokens_are_verified_with_the_portals_public_key(
    make_client: ClientFactory, stack: Any
) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    client = await make_client(
        rasa_url=stack.rasa_url,
        action_server_url=stack.actions_url,
        identity_rs256_public_key=public_pem,
        identity_hs256_secret=None,
    )
    claims = forged(role="CCA", ministry_code="MIN06")
    signed = jwt.encode(claims, private, algorithm="RS256")
    # The classic confusion: HS256 "signed" with the public key as the secret.
    confused = hs256_by_hand(claims, public_pem.encode())
    hs256 = cca_identity()

    ok = await say(client, uuid.uuid4().hex, text=FSD_REQUEST, identity_token=signed)
    refused = [
        await say(client, uuid.uuid4().hex, text=FSD_REQUEST, identity_token=token)
        for token in (confused, hs256)
    ]

    assert ok.status_code == 200 and "Quel titre" in texts(ok)
    assert [r.status_code for r in refused] == [401, 401]
    assert "algorithm 'HS256' is not accepted" in refused[0].json()["detail"]


async def test_the_demo_page_signs_its_profile_outside_production_only(
    make_client: ClientFactory,
) -> None:
    client = await make_client()
    page = await client.get("/?role=CCA&ministere=MIN06&email=cca@min06.gouv.fr")
    token = page.text.split('data-identity-token="')[1].split('"')[0]
    claims = jwt.decode(token, identity_secret(), algorithms=["HS256"], audience="assistant-chorus")
    production = await make_client(app_env="production", secret_key="s" * 40)
    shown = await production.get("/?role=CCA&ministere=MIN06&email=cca@min06.gouv.fr")

    assert (claims["role"], claims["ministry_code"]) == ("CCA", "MIN06")
    assert 'data-ministry-code="MIN06"' in shown.text
    assert "data-identity-token" not in shown.text and "data-role" not in shown.text
