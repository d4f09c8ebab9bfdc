"""The one small client the actions use to talk to api/."""

import os
from typing import Any, Dict, List, Optional

import httpx

API_URL = os.environ.get("ASSISTANT_API_URL", "http://127.0.0.1:8000")
TIMEOUT_SECONDS = float(os.environ.get("ASSISTANT_API_TIMEOUT", "5"))


class ApiUnavailable(Exception):
    """api/ did not answer, or answered with an error."""


class ApiClient:
    """Calls api/'s knowledge endpoints."""

    def __init__(self, base_url: str = API_URL, timeout: float = TIMEOUT_SECONDS) -> None:
        self._base_url = base_url
        self._timeout = timeout
        self._http: Optional[httpx.AsyncClient] = None

    def _client(self) -> httpx.AsyncClient:
        # Created lazily, inside the action server's event loop.
        if self._http is None:
            self._http = httpx.AsyncClient(base_url=self._base_url, timeout=self._timeout)
        return self._http

    async def _get(self, path: str) -> Any:
        try:
            response = await self._client().get(path)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ApiUnavailable(f"GET {path}: {exc}") from exc

    async def domains(self) -> List[Dict[str, str]]:
        """Return the domains of the menu, in order."""
        return list(await self._get("/api/v1/kb/domains"))

    async def domain(self, domain_id: str) -> Dict[str, str]:
        """Return one domain with its introduction."""
        return dict(await self._get(f"/api/v1/kb/domains/{domain_id}"))


api = ApiClient()
