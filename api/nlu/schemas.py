"""Request and response bodies of the NLU endpoint."""

from pydantic import BaseModel, ConfigDict, Field

from api.core.text import UserText


class ParseRequest(BaseModel):
    """A user text to interpret."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text": "je n'arrive plus à modifier mon EJ"}]},
    )

    text: UserText


class ParseRead(BaseModel):
    """The intent Rasa recognised, the domain it is about (or null) and the confidence."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"intent": "ej", "domain": "ej", "confidence": 0.93}]}
    )

    intent: str | None = Field(description="Rasa intent; `nlu_fallback` when unsure.")
    domain: str | None = Field(
        description="Domain id when the text is about a domain; null for greetings, thanks, "
        "off-topic texts and requests for a human."
    )
    confidence: float = Field(ge=0.0, le=1.0)
