"""The one small client the actions use to talk to api/."""

import asyncio
import json
import os
import time
from typing import Any, Dict, List, Optional, Tuple

import aiohttp

API_URL = os.environ.get("ASSISTANT_API_URL", "http://127.0.0.1:8000")
TIMEOUT_SECONDS = float(os.environ.get("ASSISTANT_API_TIMEOUT", "5"))
# Knowledge reads (domains, entries) are cached this long: an edit in the admin API reaches the
# bot within this delay. 0 disables the cache.
KB_CACHE_SECONDS = float(os.environ.get("ASSISTANT_KB_CACHE_SECONDS", "10"))
KB_CACHE_MAX_ITEMS = 2048
# Idle connections are dropped before api/'s keep-alive (uvicorn: 5 s) can close them under us.
KEEPALIVE_SECONDS = 3.0


class ApiUnavailable(Exception):
    """api/ did not answer, or answered with an error."""


class ApiClient:
    """Reads api/'s knowledge endpoints (the action server never writes to api/)."""

    def __init__(
        self,
        base_url: str = API_URL,
        timeout: float = TIMEOUT_SECONDS,
        cache_seconds: float = KB_CACHE_SECONDS,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._http: Optional[aiohttp.ClientSession] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self.cache_seconds = cache_seconds
        self._cache: Dict[Tuple[str, str], Tuple[float, Any]] = {}

    def clear_cache(self) -> None:
        """Forget the cached knowledge reads."""
        self._cache.clear()

    async def aclose(self) -> None:
        """Close the connections (the event loop that opened them is ending)."""
        if self._http is not None and not self._http.closed:
            await self._http.close()

    def _client(self) -> aiohttp.ClientSession:
        # Created lazily, inside the action server's event loop. aiohttp rather than httpx:
        # a tenth of the CPU per request (README "Performance").
        loop = asyncio.get_running_loop()
        if self._http is None or self._http.closed or self._loop is not loop:
            self._loop = loop
            self._http = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._timeout),
                connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
            )
        return self._http

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            async with self._client().request(method, self._base_url + path, **kwargs) as response:
                body = await response.read()
                if response.status >= 400:
                    raise ApiUnavailable(f"{method} {path}: HTTP {response.status}")
                return json.loads(body)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise ApiUnavailable(f"{method} {path}: {type(exc).__name__}: {exc}") from exc

    async def _get(self, path: str, **params: str) -> Any:
        """GET a knowledge resource, from the cache when it is fresh enough."""
        key = (path, repr(sorted(params.items())))
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        data = await self._request("GET", path, params=params or None)
        if self.cache_seconds > 0:
            if len(self._cache) >= KB_CACHE_MAX_ITEMS:
                self._cache.clear()
            self._cache[key] = (now + self.cache_seconds, data)
        return data

    async def domains(self) -> List[Dict[str, str]]:
        """Return the domains of the menu, in order."""
        return list(await self._get("/api/v1/kb/domains"))

    async def domain(self, domain_id: str) -> Dict[str, str]:
        """Return one domain with its introduction."""
        return dict(await self._get(f"/api/v1/kb/domains/{domain_id}"))

    async def match(self, text: str) -> Dict[str, Any]:
        """Match a pasted error message: {"match": M or None, "candidates": [M...]}."""
        return dict(await self._request("POST", "/api/v1/kb/match", json={"text": text}))

    async def search(
        self, text: str, intent: Optional[Dict[str, Any]] = None, domain: Optional[str] = None
    ) -> Dict[str, Any]:
        """Find the entry answering a question: {"answer": E or None, "suggestions": [E...]}.

        `intent` is the NLU's ({"name", "confidence"}): the knowledge base reads it as evidence
        and favours its domain; `domain` favours a domain explicitly.
        """
        body: Dict[str, Any] = {"text": text}
        if intent and intent.get("name"):
            body["intent"] = str(intent["name"])
            body["intent_confidence"] = min(max(float(intent.get("confidence") or 0.0), 0.0), 1.0)
        if domain:
            body["domain"] = domain
        return dict(await self._request("POST", "/api/v1/kb/search", json=body))

    async def entry(self, entry_id: str) -> Optional[Dict[str, Any]]:
        """Return an active knowledge entry, or None if it does not exist (any more)."""
        try:
            return dict(await self._get(f"/api/v1/kb/entries/{entry_id}"))
        except ApiUnavailable as exc:
            if "404" in str(exc):
                return None
            raise

    async def entries(
        self, domain: Optional[str] = None, kind: Optional[str] = None
    ) -> List[Dict[str, Any]]:
        """Return the active entries of a domain and/or a kind."""
        params = {k: v for k, v in {"domain": domain, "kind": kind}.items() if v}
        return list(await self._get("/api/v1/kb/entries", **params))


api = ApiClient()
