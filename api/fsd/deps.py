"""The FSD desk and the FSD in the path, as dependencies."""

from typing import Annotated

from fastapi import Depends

from api.auth.deps import CurrentUser
from api.core.deps import IdPath, SessionDep, state
from api.fsd import service
from api.fsd.desk import FsdDesk
from api.fsd.models import Fsd

DeskDep = Annotated[FsdDesk, Depends(state("fsd_desk"))]


async def _visible_fsd(number: IdPath, user: CurrentUser, db_session: SessionDep) -> Fsd:
    """The FSD of the path, if the user may see it (404 otherwise, as if it did not exist)."""
    fsd = await service.get_or_raise(db_session=db_session, number=number)
    service.ensure_visible(fsd=fsd, username=user.username, role=user.role)
    return fsd


VisibleFsd = Annotated[Fsd, Depends(_visible_fsd)]
