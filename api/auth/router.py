"""Authentication endpoint for support staff."""

from fastapi import APIRouter, Request

from api.auth import service
from api.auth.models import Role
from api.auth.schemas import TokenRead, TokenRequest
from api.core.deps import SessionDep, SettingsDep, ThrottleDep

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/token",
    response_model=TokenRead,
    responses={
        401: {"description": "Wrong username or password."},
        429: {"description": "Too many failed attempts for this user name or address."},
    },
)
async def create_token(
    body: TokenRequest,
    request: Request,
    db_session: SessionDep,
    settings: SettingsDep,
    throttle: ThrottleDep,
) -> TokenRead:
    """Exchange a staff member's credentials for a bearer token."""
    user = await service.log_in(
        db_session=db_session,
        throttle=throttle,
        username=body.username,
        password=body.password,
        address=request.client.host if request.client else "unknown",
        per_username=settings.login_attempts_per_username,
        per_address=settings.login_attempts_per_address,
    )
    token = service.issue_token(secret=settings.secret_key.get_secret_value(), user=user)
    return TokenRead(
        access_token=token,
        expires_in=settings.token_max_age_seconds,
        role=user.role,
        roles=[Role(r) for r in user.roles],
    )
