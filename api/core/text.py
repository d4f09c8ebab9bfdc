"""Validation of user text shared by every endpoint that receives some."""

import re
from typing import Annotated, Any

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

# C0 control characters other than tab, line feed and carriage return: binary, not text.
_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """Return the text stripped, or raise a validation error naming what is wrong."""
    if _BINARY.search(value):
        raise PydanticCustomError("text_binary", "text contains control characters (binary data)")
    stripped = value.strip()
    if not stripped:
        raise PydanticCustomError("text_empty", "text is empty or only whitespace")
    return stripped


# A user's text in a request body: refused when empty, blank or binary, stripped otherwise.
UserText = Annotated[str, AfterValidator(clean_text)]


def text_length_errors(text: str, limit: int, field: str = "text") -> list[dict[str, Any]]:
    """Return a validation error if the text is longer than the limit."""
    if len(text) <= limit:
        return []
    return [
        {
            "type": "text_too_long",
            "loc": ("body", field),
            "msg": f"text is {len(text)} characters long; the limit is {limit}",
            "ctx": {"length": len(text), "max_length": limit},
        }
    ]
