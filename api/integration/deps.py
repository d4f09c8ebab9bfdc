"""The FSD system's API key."""

import secrets
from typing import Annotated

from fastapi import Depends
from fastapi.security import APIKeyHeader

from api.auth.service import AuthenticationError
from api.core.deps import SettingsDep

_api_key = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="The FSD system's key (FSD_SYSTEM_API_KEY)"
)


async def _fsd_system(key: Annotated[str | None, Depends(_api_key)], settings: SettingsDep) -> None:
    """Let in the FSD system: its API key, compared in constant time."""
    expected = settings.fsd_system_api_key
    if (
        expected is None
        or not key
        or not secrets.compare_digest(key.encode(), expected.get_secret_value().encode())
    ):
        raise AuthenticationError("missing or wrong X-API-Key", "Clé d'API absente ou invalide.")


FsdSystem = Depends(_fsd_system)
