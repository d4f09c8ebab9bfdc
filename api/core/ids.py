"""Identifiers chosen by clients or taken from paths."""

from typing import Annotated

from pydantic import StringConstraints

# A conversation id is chosen by the client (a random id, as Rasa's sender).
CONVERSATION_ID_PATTERN = r"^[A-Za-z0-9_-]{8,128}$"
ConversationId = Annotated[str, StringConstraints(pattern=CONVERSATION_ID_PATTERN)]
