"""Validation of user text shared by every endpoint that receives some."""

import math
import re
from typing import Annotated, Any

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from knowledge_base.vocabulary import EMAIL_MAX_LENGTH, EMAIL_PATTERN

# C0 control characters other than tab, line feed and carriage return: binary, not text.
_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# Containers a client's metadata may nest (the profile is a flat object: 1; room for 3 more).
MAX_METADATA_DEPTH = 4
_INT64 = 2**63


def has_lone_surrogate(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def clean_text(value: str) -> str:
    """Return the text stripped, or raise a validation error naming what is wrong."""
    if _BINARY.search(value) or has_lone_surrogate(value):
        raise PydanticCustomError(
            "text_binary", "text contains control characters or lone surrogates (not text)"
        )
    stripped = value.strip()
    if not stripped:
        raise PydanticCustomError("text_empty", "text is empty or only whitespace")
    return stripped


def _check_json(value: Any, depth: int) -> None:
    if isinstance(value, dict | list):
        if depth >= MAX_METADATA_DEPTH:
            raise PydanticCustomError(
                "metadata_too_deep",
                "metadata nests more than {max_depth} objects or lists",
                {"max_depth": MAX_METADATA_DEPTH},
            )
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(key, str):
                _check_json(key, depth + 1)
            _check_json(item, depth + 1)
    elif isinstance(value, str) and has_lone_surrogate(value):
        raise PydanticCustomError("metadata_invalid", "metadata holds a lone surrogate")
    elif isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("metadata_invalid", "metadata holds NaN or Infinity")
    elif isinstance(value, int) and not isinstance(value, bool) and not -_INT64 <= value < _INT64:
        raise PydanticCustomError("metadata_invalid", "metadata holds an integer beyond 64 bits")


def clean_metadata(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return client metadata that any JSON store accepts, or raise: nested at most
    MAX_METADATA_DEPTH deep, finite numbers, 64-bit integers, valid Unicode."""
    if value is not None:
        _check_json(value, 0)
    return value


# A client's metadata: a JSON object every store and serialiser accepts.
Metadata = Annotated[dict[str, Any] | None, AfterValidator(clean_metadata)]

# A user's text in a request body: refused when empty, blank or binary, stripped otherwise.
UserText = Annotated[str, AfterValidator(clean_text)]

EMAIL = re.compile(EMAIL_PATTERN)
_MINISTRY_CODE = re.compile(r"^[A-Z]{2,6}[0-9]{1,4}$")


def is_email(value: str) -> bool:
    """Whether the text is an email address the FSD desk accepts."""
    return len(value) <= EMAIL_MAX_LENGTH and EMAIL.match(value) is not None


def clean_email(value: str) -> str:
    """Return the address stripped, or raise when it is not one."""
    value = value.strip()
    if not is_email(value):
        raise PydanticCustomError("email_invalid", "not an email address")
    return value


def clean_ministry_code(value: str) -> str:
    """Return the ministry code upper-cased (MIN06), or raise when malformed."""
    code = value.strip().upper()
    if not _MINISTRY_CODE.match(code):
        raise PydanticCustomError(
            "ministry_code_invalid", "ministry_code must be letters then digits, e.g. MIN06"
        )
    return code


Email = Annotated[str, AfterValidator(clean_email)]
MinistryCode = Annotated[str, AfterValidator(clean_ministry_code)]


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
