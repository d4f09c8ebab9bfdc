"""FSDs the bot's form opens (custom data, api/fsd/flows.py): only with a CCA's profile, with
the transcript; the status is told only for the conversation's own FSDs or its ministry's."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.conversations import service as conversations
from api.conversations.models import Conversation
from api.core.db import create_engine, create_session_factory
from api.fsd import flows
from api.fsd.desk import EmbeddedDesk
from api.fsd.models import Fsd
from api.fsd.schemas import BotFsdRequest
from api.notifications.models import OutboxEmail

REQUEST = BotFsdRequest(
    title="Facture bloquée au service fait",
    description="La facture 2026-001 reste au statut à traiter depuis 10 jours.",
    severity=2,
    impact=3,
    users_blocked=4,
    email="camille.martin@min06.gouv.fr",
)


@pytest.fixture
async def db_session(database_url: str) -> AsyncIterator[AsyncSession]:
    engine = create_engine(database_url)
    async with create_session_factory(engine)() as session:
        yield session
    await engine.dispose()


async def start(
    db_session: AsyncSession, profile: dict[str, Any], identity: dict[str, Any] | None = None
) -> Conversation:
    """A conversation with this declared profile, this signed identity, one user message."""
    conversation = await conversations.get_or_create(
        db_session=db_session, conversation_id=uuid.uuid4().hex, profile=profile
    )
    if identity is not None:
        conversations.bind_identity(conversation=conversation, identity=identity)
    await conversations.add_user_message(
        db_session=db_session,
        conversation=conversation,
        text="Ma facture est bloquée au service fait",
        payload=None,
    )
    await db_session.commit()
    return conversation


async def open_fsd(db_session: AsyncSession, conversation: Conversation) -> str:
    [answer] = await flows.open_from_bot(
        db_session=db_session, desk=EmbeddedDesk(), conversation=conversation, request=REQUEST
    )
    await db_session.commit()
    return answer.text or ""


def number_in(said: str) -> int:
    """The FSD number the bot gave ("Votre fiche service desk n° 12 ...")."""
    return int(said.split("n° ")[1].split(" ")[0])


async def test_a_cca_opens_an_fsd_from_the_conversation_with_its_transcript(
    db_session: AsyncSession,
) -> None:
    conversation = await start(
        db_session, {}, {"sub": "cca1", "role": "CCA", "ministry_code": "MIN06"}
    )

    said = await open_fsd(db_session, conversation)

    number = number_in(said)
    assert said.startswith(f"Votre fiche service desk n° {number} « Facture bloquée au service")
    [status] = await flows.status_for_bot(
        db_session=db_session, conversation=conversation, number=number
    )
    assert status.text == (
        f"La fiche n° {number} « Facture bloquée au service fait » est au statut « nouveau »."
    )
    fsd = await db_session.get(Fsd, number)
    assert fsd is not None and fsd.ministry_code == "MIN06"
    assert fsd.transcript[0]["text"] == "Ma facture est bloquée au service fait"
    mail = await db_session.scalar(select(OutboxEmail))
    assert mail is not None and mail.recipient == "camille.martin@min06.gouv.fr"


async def test_anyone_else_is_sent_to_their_cca(db_session: AsyncSession) -> None:
    conversation = await start(db_session, {"role": "utilisateur"})

    said = await open_fsd(db_session, conversation)

    assert "adressez-vous à votre CCA" in said
    assert await db_session.scalar(select(OutboxEmail)) is None


async def test_the_status_of_another_ministrys_fsd_is_not_shown(db_session: AsyncSession) -> None:
    owner = await start(db_session, {}, {"sub": "cca1", "role": "CCA", "ministry_code": "MIN06"})
    number = number_in(await open_fsd(db_session, owner))
    same_ministry = await start(db_session, {}, {"sub": "u1", "ministry_code": "MIN06"})
    other_ministry = await start(db_session, {}, {"sub": "u2", "ministry_code": "MIN09"})

    [shown] = await flows.status_for_bot(
        db_session=db_session, conversation=same_ministry, number=number
    )
    [hidden] = await flows.status_for_bot(
        db_session=db_session, conversation=other_ministry, number=number
    )

    assert "est au statut « nouveau »" in (shown.text or "")
    assert (hidden.text or "").startswith(f"La fiche n° {number} n'existe pas.")


async def test_a_declared_ministry_or_role_gives_no_right(db_session: AsyncSession) -> None:
    # Finding: declaring a ministry code showed that ministry's FSDs (numbers are sequential),
    # declaring the CCA role opened one.
    owner = await start(db_session, {}, {"sub": "cca1", "role": "CCA", "ministry_code": "MIN06"})
    number = number_in(await open_fsd(db_session, owner))
    claimed = await start(db_session, {"role": "CCA", "ministry_code": "MIN06"})

    [hidden] = await flows.status_for_bot(
        db_session=db_session, conversation=claimed, number=number
    )
    refused = await open_fsd(db_session, claimed)

    assert hidden.text is not None and hidden.text.startswith(f"La fiche n° {number} n'existe pas.")
    assert "adressez-vous à votre CCA" in refused
    assert claimed.profile == {"ministry_code": "MIN06"}  # the role was dropped, not stored
