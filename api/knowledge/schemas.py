"""Bodies of the knowledge endpoints."""

from pydantic import BaseModel, ConfigDict


class DomainRead(BaseModel):
    """A domain of the menu with the assistant's introduction to it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    label: str
    intro: str
