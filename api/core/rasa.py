"""HTTP client for the Rasa servers: shards, bounded concurrency, timeouts, health checks."""

import asyncio
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import aiohttp
import httpx
from pydantic import BaseModel, Field, ValidationError

from api.core.errors import UpstreamUnavailableError

T = TypeVar("T")

KEEPALIVE_SECONDS = 3.0

UNAVAILABLE_MESSAGE = (
    "L'assistant est momentanément indisponible. Votre message a bien été enregistré ; "
    "merci de réessayer dans quelques instants."
)


class RasaButton(BaseModel):
    """A button as Rasa's REST channel returns it."""

    title: str
    payload: str


class RasaUtterance(BaseModel):
    """One bot message as Rasa's REST channel returns it."""

    recipient_id: str | None = None
    text: str | None = None
    buttons: list[RasaButton] = Field(default_factory=list)
    custom: dict[str, Any] | None = None


class RasaIntent(BaseModel):
    """The intent Rasa's NLU recognised."""

    name: str | None = None
    confidence: float = 0.0


class RasaParse(BaseModel):
    """Rasa's /model/parse answer (the part the API uses)."""

    text: str
    intent: RasaIntent = Field(default_factory=RasaIntent)


class RasaServer:
    """Talks to one Rasa server's REST channel with at most `max_in_flight` requests at once.

    Requests beyond the bound wait in arrival order (asyncio.Semaphore is FIFO), which keeps
    the latency tail close to the median when Rasa is overloaded.
    """

    def __init__(
        self,
        *,
        base_url: str,
        timeout_seconds: float,
        max_in_flight: int,
        token: str | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        # Rasa's HTTP API (parse, tracker events) takes its token as a query parameter.
        self._params = {"token": token} if token else None
        self._connections = max_in_flight * 2
        self._session: aiohttp.ClientSession | None = None
        self._slots = asyncio.Semaphore(max_in_flight)
        self._timeout = timeout_seconds

    def _client(self) -> aiohttp.ClientSession:
        """The connection pool, created in the running event loop at the first request."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._timeout),
                # Idle connections are dropped before Rasa's (Sanic's 5 s) keep-alive ends, so
                # that a request never goes out on a connection Rasa is closing.
                connector=aiohttp.TCPConnector(
                    limit=self._connections, keepalive_timeout=KEEPALIVE_SECONDS
                ),
            )
        return self._session

    async def _post(
        self, path: str, body: Any, read: Callable[[Any], T], *, verb: str, noun: str
    ) -> T:
        """POST to Rasa within the in-flight bound and the timeout; return `read` of the JSON.

        Any failure (timeout, connection, HTTP status, malformed answer) is an
        UpstreamUnavailableError naming what Rasa did not do.
        """
        try:
            async with (
                asyncio.timeout(self._timeout),
                self._slots,
                self._client().post(
                    self._base_url + path, json=body, params=self._params
                ) as response,
            ):
                response.raise_for_status()
                data = json.loads(await response.read())
            return read(data)
        except TimeoutError as exc:
            raise UpstreamUnavailableError(
                f"Rasa did not {verb} within {self._timeout:g} s", UNAVAILABLE_MESSAGE
            ) from exc
        except (aiohttp.ClientError, ValueError, ValidationError) as exc:
            raise UpstreamUnavailableError(
                f"Rasa {noun} failed: {type(exc).__name__}: {exc}", UNAVAILABLE_MESSAGE
            ) from exc

    async def send(
        self, *, sender: str, message: str, metadata: dict[str, Any] | None = None
    ) -> list[RasaUtterance]:
        """Send a user message to Rasa and return the bot's utterances."""
        body: dict[str, Any] = {"sender": sender, "message": message}
        if metadata:
            body["metadata"] = metadata
        return await self._post(
            "/webhooks/rest/webhook",
            body,
            lambda data: [RasaUtterance.model_validate(item) for item in data],
            verb="answer",
            noun="request",
        )

    async def parse(self, *, text: str) -> "RasaParse":
        """Return Rasa's NLU interpretation of a text (Rasa runs with --enable-api)."""
        return await self._post(
            "/model/parse", {"text": text}, RasaParse.model_validate, verb="parse", noun="parse"
        )

    async def append_events(self, *, sender: str, events: list[dict[str, Any]]) -> None:
        """Append events to a conversation's tracker (e.g. pause or resume it)."""
        await self._post(
            f"/conversations/{sender}/tracker/events?include_events=NONE",
            events,
            lambda _data: None,
            verb="record the events",
            noun="tracker update",
        )

    async def aclose(self) -> None:
        """Close the underlying connections."""
        if self._session is not None:
            await self._session.close()


def shard_of(key: str, shards: Sequence[str]) -> str:
    """The shard that serves `key`, by rendezvous (highest random weight) hashing.

    Each shard draws a pseudo-random weight for the key and the heaviest wins: adding a shard
    moves only the keys it now wins (about 1/N of them), removing one moves only its own keys.
    """
    return max(
        shards,
        key=lambda shard: hashlib.blake2b(
            f"{shard}\n{key}".encode(), digest_size=8, usedforsecurity=False
        ).digest(),
    )


class RasaClient:
    """The Rasa servers of RASA_URLS: each conversation always goes to the same shard (so its
    tracker stays cached there); the shards share the tracker store, so a conversation moved by a
    change of the list continues with its state."""

    def __init__(
        self,
        *,
        base_urls: Sequence[str],
        timeout_seconds: float,
        max_in_flight: int,
        token: str | None = None,
    ) -> None:
        if not base_urls:
            raise ValueError("at least one Rasa server is needed")
        self._servers = {
            url: RasaServer(
                base_url=url,
                timeout_seconds=timeout_seconds,
                max_in_flight=max_in_flight,
                token=token,
            )
            for url in base_urls
        }
        self._urls = list(self._servers)

    def shard_for(self, conversation_id: str) -> str:
        """The URL of the Rasa server that serves this conversation."""
        return shard_of(conversation_id, self._urls)

    def _server(self, key: str) -> RasaServer:
        return self._servers[self.shard_for(key)]

    async def send(
        self, *, sender: str, message: str, metadata: dict[str, Any] | None = None
    ) -> list[RasaUtterance]:
        """Send a user message to the conversation's shard and return the bot's utterances."""
        return await self._server(sender).send(sender=sender, message=message, metadata=metadata)

    async def parse(self, *, text: str) -> RasaParse:
        """Rasa's NLU interpretation of a text (the same text always goes to the same shard)."""
        return await self._server(text).parse(text=text)

    async def append_events(self, *, sender: str, events: list[dict[str, Any]]) -> None:
        """Append events to the conversation's tracker, on its shard."""
        await self._server(sender).append_events(sender=sender, events=events)

    async def aclose(self) -> None:
        """Close every shard's connections."""
        await asyncio.gather(*(server.aclose() for server in self._servers.values()))


async def probe(url: str, *, timeout_seconds: float) -> str | None:
    """Return None when `url` answers 2xx, else a short description of the failure."""
    try:
        async with httpx.AsyncClient(timeout=timeout_seconds) as client:
            response = await client.get(url)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if response.status_code >= 300:
        return f"HTTP {response.status_code}"
    return None
