"""Knowledge endpoints."""

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from api.knowledge import service
from api.knowledge.schemas import DomainRead
from knowledge_base.taxonomy import Domain

router = APIRouter(prefix="/api/v1/kb", tags=["knowledge"])


def _domains(request: Request) -> Sequence[Domain]:
    domains: Sequence[Domain] = request.app.state.domains
    return domains


DomainsDep = Annotated[Sequence[Domain], Depends(_domains)]


@router.get("/domains", response_model=list[DomainRead])
async def list_domains(domains: DomainsDep) -> list[DomainRead]:
    """Return the domains of the menu, in menu order."""
    return [DomainRead.model_validate(d) for d in domains]


@router.get(
    "/domains/{domain_id}",
    response_model=DomainRead,
    responses={404: {"description": "No such domain."}},
)
async def get_domain(domain_id: str, domains: DomainsDep) -> DomainRead:
    """Return one domain of the menu."""
    return DomainRead.model_validate(
        service.get_domain_or_raise(domains=domains, domain_id=domain_id)
    )
