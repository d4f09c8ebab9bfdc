"""Knowledge lookups."""

from collections.abc import Sequence

from api.core.errors import NotFoundError
from knowledge_base.taxonomy import Domain


def get_domain_or_raise(*, domains: Sequence[Domain], domain_id: str) -> Domain:
    """Return the domain with this id, or raise NotFoundError."""
    for domain in domains:
        if domain.id == domain_id:
            return domain
    raise NotFoundError(f"domain {domain_id!r} does not exist", "Ce domaine n'existe pas.")
