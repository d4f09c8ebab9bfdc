"""Authentication endpoint for support staff."""

from fastapi import APIRouter

from api.auth import service
from api.auth.models import Role
from api.auth.schemas import TokenRead, TokenRequest
from api.core.deps import SessionDep, SettingsDep

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/token",
    response_model=TokenRead,
    responses={401: {"description": "Wrong username or password."}},
)
async def create_token(
    body: TokenRequest, db_session: SessionDep, settings: SettingsDep
) -> TokenRead:
    """Exchange a staff member's credentials for a bearer token."""
    user = await service.authenticate(
        db_session=db_session, username=body.username, password=body.password
    )
    token = service.issue_token(secret=settings.secret_key.get_secret_value(), user=user)
    return TokenRead(
        access_token=token,
        expires_in=settings.token_max_age_seconds,
        role=user.role,
        roles=[Role(r) for r in user.roles],
    )
