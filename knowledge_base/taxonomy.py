"""The domain taxonomy: loaded from domains.yml and validated."""

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Domain(BaseModel):
    """A domain of the menu, the NLU and the knowledge base."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1, max_length=80)
    intro: str = Field(min_length=1)


class TaxonomyError(ValueError):
    """The taxonomy file is missing or invalid."""


class _TaxonomyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    domains: list[Domain] = Field(min_length=1)


def load_domains(path: Path) -> tuple[Domain, ...]:
    """Load and validate the domains of a taxonomy file, in menu order."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        parsed = _TaxonomyFile.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise TaxonomyError(f"{path}: {exc}") from exc
    ids = [d.id for d in parsed.domains]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise TaxonomyError(f"{path}: duplicate domain ids {duplicates}")
    return tuple(parsed.domains)
