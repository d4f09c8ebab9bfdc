"""The user's profile, sent by the widget as message metadata (application, role, ministry)."""

from typing import Any, Dict, Optional

from rasa_sdk import Tracker


def profile(tracker: Tracker) -> Dict[str, Any]:
    """Return the metadata of the latest user message (the API sends the profile each time)."""
    metadata = tracker.latest_message.get("metadata") or {}
    return metadata if isinstance(metadata, dict) else {}


def role(tracker: Tracker) -> Optional[str]:
    """Return the user's role in upper case (CCA, USER...), or None when unknown."""
    value = profile(tracker).get("role")
    return str(value).strip().upper() or None if value else None
