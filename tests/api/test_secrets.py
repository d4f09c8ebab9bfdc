"""No public default secret: a development secret is random, generated once and kept private;
production refuses to start without a real one; a token signed with any guessable key is refused."""

import stat
from pathlib import Path

import httpx
import pytest
from itsdangerous import URLSafeTimedSerializer
from pydantic import ValidationError

from api.auth.models import Role
from api.auth.service import TOKEN_SALT
from api.core.config import Settings
from tests.api.conftest import TokenFactory


def test_a_development_secret_is_random_private_and_kept_across_restarts(tmp_path: Path) -> None:
    first = Settings(app_env="development", secret_key_file=tmp_path / "a" / "secret_key")
    again = Settings(app_env="development", secret_key_file=tmp_path / "a" / "secret_key")
    other = Settings(app_env="development", secret_key_file=tmp_path / "b" / "secret_key")

    secret = first.secret_key.get_secret_value()
    assert len(secret) >= 32
    assert again.secret_key.get_secret_value() == secret
    assert other.secret_key.get_secret_value() != secret
    mode = stat.S_IMODE((tmp_path / "a" / "secret_key").stat().st_mode)
    assert mode == 0o600


@pytest.mark.parametrize("secret", ["", "dev-only-change-me", "x" * 31])
def test_production_refuses_to_start_without_a_real_secret(secret: str, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(app_env="production", secret_key=secret, secret_key_file=tmp_path / "s")
    assert not (tmp_path / "s").exists()


def test_production_keeps_the_secret_it_is_given(tmp_path: Path) -> None:
    settings = Settings(app_env="production", secret_key="k" * 40, secret_key_file=tmp_path / "s")
    assert settings.secret_key.get_secret_value() == "k" * 40


@pytest.mark.parametrize("guess", ["dev-only-change-me", "secret", "changeme", ""])
async def test_a_token_forged_with_a_guessable_key_is_refused(
    kb_client: httpx.AsyncClient, token_for: TokenFactory, guess: str
) -> None:
    await token_for(Role.ADMIN)  # the account exists (uid 1)
    forged = URLSafeTimedSerializer(guess, salt=TOKEN_SALT).dumps({"uid": 1, "role": "admin"})
    response = await kb_client.get(
        "/api/v1/admin/review/inbox", headers={"Authorization": f"Bearer {forged}"}
    )
    assert response.status_code == 401
    assert response.json()["message"] == "Vous devez vous identifier."


def test_embedding_origins_must_be_origins() -> None:
    from api.core.config import Settings

    ok = Settings(app_env="test", embed_origins="https://portail.example http://localhost:8080")

    assert ok.portal_origins() == ["https://portail.example", "http://localhost:8080"]
    for bad in ("portail.example", "https://portail.example/page", "javascript:alert(1)"):
        with pytest.raises(ValueError, match="EMBED_ORIGINS"):
            Settings(app_env="test", embed_origins=bad)
