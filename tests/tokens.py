"""Test clients that keep each conversation's token, as the widget does: taken from the reply
that created the conversation, sent back in X-Conversation-Token on every later request."""

import re
import time
from typing import Any

import httpx
import jwt

CONVERSATION_PATH = re.compile(r"^/api/v1/conversations/([A-Za-z0-9_-]+)(?:/|$)")
HEADER = "X-Conversation-Token"


class ConversationTokens:
    """The tokens of the conversations a client (or several clients) created."""

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}

    async def on_request(self, request: httpx.Request) -> None:
        """Add the conversation's token unless the test set a header of its own."""
        match = CONVERSATION_PATH.match(request.url.path)
        if match and HEADER not in request.headers and match[1] in self.tokens:
            request.headers[HEADER] = self.tokens[match[1]]

    async def on_response(self, response: httpx.Response) -> None:
        """Keep the token a conversation's first message returns."""
        match = CONVERSATION_PATH.match(response.request.url.path)
        if not match or response.request.method != "POST":
            return
        await response.aread()
        try:
            body = response.json()
        except ValueError:
            return
        if isinstance(body, dict) and isinstance(body.get("conversation_token"), str):
            self.tokens[match[1]] = body["conversation_token"]

    def hooks(self) -> dict[str, list[Any]]:
        """The httpx event hooks."""
        return {"request": [self.on_request], "response": [self.on_response]}


def client(tokens: ConversationTokens | None = None, **kwargs: Any) -> httpx.AsyncClient:
    """An httpx.AsyncClient that keeps (and sends) conversation tokens."""
    tokens = tokens or ConversationTokens()
    made = httpx.AsyncClient(event_hooks=tokens.hooks(), **kwargs)
    made.conversation_tokens = tokens  # type: ignore[attr-defined]
    return made


def token_of(http: httpx.AsyncClient, conversation_id: str) -> str:
    """The token a client keeps for this conversation (for its socket's ?token=)."""
    tokens: ConversationTokens = http.conversation_tokens  # type: ignore[attr-defined]
    return tokens.tokens[conversation_id]


def sign_identity(*, secret: str, lifetime: int = 3600, **claims: Any) -> str:
    """An identity token as the Chorus portal signs it (HS256, audience assistant-chorus)."""
    now = int(time.time())
    payload = {"aud": "assistant-chorus", "iat": now, "exp": now + lifetime}
    payload.update({k: v for k, v in claims.items() if v is not None})
    payload.setdefault("sub", claims.get("email") or "agent-test")
    return jwt.encode(payload, secret, algorithm="HS256")


def identity_secret() -> str:
    """The identity secret the test settings use (generated into var/secrets on first use)."""
    from api.core.config import Settings

    secret = Settings(app_env="test").identity_hs256_secret
    assert secret is not None
    return secret.get_secret_value()


def cca_identity(**claims: Any) -> str:
    """A signed identity of a CCA of MIN06 (what the portal sends for a CCA)."""
    values = {"role": "CCA", "ministry_code": "MIN06", "email": "cca@min06.gouv.fr", **claims}
    return sign_identity(secret=identity_secret(), **values)
