"""Interpret a text with Rasa's NLU and name the domain it is about."""

from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from api.core.rasa import RasaClient
from api.knowledge import service as knowledge_service
from api.knowledge.service import KnowledgeIndex
from api.nlu.schemas import ParseRead
from knowledge_base.vocabulary import INTENT_DOMAINS

# Intents whose domain only the knowledge base can tell: a pasted error, a text not understood.
MATCHED_INTENTS = frozenset({"paste_error", "nlu_fallback"})


def intent_domain(*, intent: str | None, domain_ids: Collection[str]) -> str | None:
    """Return the domain an intent is about, if any."""
    if intent is None:
        return None
    if intent in domain_ids:
        return intent
    return INTENT_DOMAINS.get(intent)


async def matched_domain(
    *, db_session: AsyncSession, index: KnowledgeIndex, text: str
) -> str | None:
    """Return the domain of the error message the text matches, when there is only one."""
    result = await knowledge_service.match(db_session=db_session, index=index, text=text)
    if result.match is not None:
        return result.match.domain
    domains = {c.domain for c in result.candidates}
    return domains.pop() if len(domains) == 1 else None


async def parse(
    *,
    rasa: RasaClient,
    db_session: AsyncSession,
    index: KnowledgeIndex,
    domain_ids: Collection[str],
    text: str,
) -> ParseRead:
    """Return the intent, the domain (or None) and the confidence of a text."""
    parsed = await rasa.parse(text=text)
    intent = parsed.intent.name
    domain = intent_domain(intent=intent, domain_ids=domain_ids)
    if domain is None and intent in MATCHED_INTENTS:
        domain = await matched_domain(db_session=db_session, index=index, text=text)
    confidence = min(1.0, max(0.0, parsed.intent.confidence))
    return ParseRead(intent=intent, domain=domain, confidence=round(confidence, 4))
