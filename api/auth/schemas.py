"""Bodies of the authentication endpoints."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from api.auth.models import Role


class TokenRequest(BaseModel):
    """Credentials of a staff member."""

    username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class TokenRead(BaseModel):
    """A bearer token and how long it lasts."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    role: Role = Field(description="The role deciding the FSD desk's view (the desk role if any).")
    roles: list[Role] = Field(description="Every role the staff member holds.")
