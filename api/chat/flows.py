"""What happens to a message: a conversation turn from the user's message to the bot's reply.

1. The user's message is stored and committed before anything else can fail.
2. While an advisor has the conversation (or it waits for one), the message goes to them.
3. Otherwise it goes to Rasa; the bot's reply is stored with what its custom data asks for in
   the same transaction: the messages it could not answer go to the review queue.
4. The other requests of the custom data follow: open an FSD (the initiator is mailed), tell an
   FSD's status, hand the conversation to the LiveChat queue.
5. When Rasa does not answer, the user's message stays stored, marked failed, and the caller
   gets a 503 with its id.
"""

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth import identity
from api.auth.service import AuthenticationError
from api.chat.custom_data import BotRequests, bot_requests
from api.chat.schemas import (
    ConversationRead,
    ConversationReply,
    FeedbackCreate,
    FeedbackRead,
    MessageCreate,
    RatingCreate,
    RatingRead,
)
from api.conversations import service as conversations
from api.conversations.bot import ask_bot
from api.conversations.models import (
    Conversation,
    ConversationStatus,
    DeliveryStatus,
    FeedbackRating,
    Message,
)
from api.conversations.schemas import BotMessageRead
from api.core.config import Settings
from api.core.db import as_utc, utcnow
from api.core.deps import OutboxWaker
from api.core.errors import ConflictError, UpstreamUnavailableError
from api.core.rasa import UNAVAILABLE_MESSAGE, RasaClient
from api.core.realtime import Notifier
from api.fsd import flows as fsd_flows
from api.fsd.desk import FsdDesk
from api.handoff import flows as handoff_flows
from api.handoff import service as handoff_service
from api.handoff.hours import OpeningHours
from knowledge_base.vocabulary import INTENT_NEGATIVE_FEEDBACK, payload

HANDED_OFF = (ConversationStatus.WAITING_AGENT, ConversationStatus.AGENT)


@dataclass(frozen=True)
class Caller:
    """What proves who sends a message: the conversation's token, the portal's identity token."""

    conversation_token: str | None = None
    identity_token: str | None = None
    rest_channel: bool = False  # Rasa's REST channel: its conversations have no token


# A message still pending this long after Rasa's timeout lost the process that was answering it.
STALE_MARGIN_SECONDS = 5


async def handle_user_message(
    *,
    db_session: AsyncSession,
    rasa: RasaClient,
    notifier: Notifier,
    hours: OpeningHours,
    desk: FsdDesk,
    wake_outbox: OutboxWaker,
    now: datetime,
    settings: Settings,
    caller: Caller,
    conversation_id: str,
    message: MessageCreate,
) -> ConversationReply:
    """Store the user's message, then route it: to the advisor who has it, or to the bot.

    The message that creates a conversation gets its token; the later ones must carry it. A
    retry (same `client_message_id`) is not stored again: a delivered message gets the reply
    it had, one that failed is sent to the bot again.
    """
    signed = await _verify_identity(
        db_session=db_session,
        conversation_id=conversation_id,
        token=caller.identity_token,
        settings=settings,
    )
    opened = await _open(
        db_session=db_session, caller=caller, conversation_id=conversation_id, message=message
    )
    conversation = opened.conversation
    if signed is not None:
        conversations.bind_identity(conversation=conversation, identity=signed.stored())
    try:
        stored = await _store_once(
            db_session=db_session,
            conversation=conversation,
            message=message,
            stale_after=timedelta(seconds=settings.rasa_timeout_seconds + STALE_MARGIN_SECONDS),
        )
        reply = await _answer(
            db_session=db_session,
            rasa=rasa,
            notifier=notifier,
            hours=hours,
            desk=desk,
            wake_outbox=wake_outbox,
            now=now,
            conversation=conversation,
            stored=stored,
        )
    except (UpstreamUnavailableError, ConflictError) as exc:
        if opened.token is not None:  # the conversation exists now: its owner needs the token
            exc.extra["conversation_token"] = opened.token
        raise
    reply.conversation_token = opened.token
    return reply


async def _open(
    *, db_session: AsyncSession, caller: Caller, conversation_id: str, message: MessageCreate
) -> conversations.Opened:
    """The message's conversation, created with a token, or checked against its token."""
    try:
        return await conversations.open_for_message(
            db_session=db_session,
            conversation_id=conversation_id,
            token=caller.conversation_token,
            with_token=not caller.rest_channel,
            profile=message.metadata,
        )
    except conversations.MissingConversationTokenError:
        # The first message's reply (and token) was lost: its retry gets a new token.
        reissued = await conversations.reissue_token_for_first_retry(
            db_session=db_session,
            conversation_id=conversation_id,
            client_message_id=message.client_message_id,
        )
        if reissued is None:
            raise
        await db_session.commit()
        return reissued


async def _verify_identity(
    *, db_session: AsyncSession, conversation_id: str, token: str | None, settings: Settings
) -> identity.Identity | None:
    """What the portal signed, checked before anything is stored; an expired token is ignored
    once the conversation holds an identity (its own token proves the user is the same)."""
    if token is None:
        return None
    try:
        return identity.verify(token=token, settings=settings)
    except identity.ExpiredIdentityError:
        existing = await conversations.get(db_session=db_session, conversation_id=conversation_id)
        if existing is not None and existing.identity:
            return None
        raise


async def _answer(
    *,
    db_session: AsyncSession,
    rasa: RasaClient,
    notifier: Notifier,
    hours: OpeningHours,
    desk: FsdDesk,
    wake_outbox: OutboxWaker,
    now: datetime,
    conversation: Conversation,
    stored: Message,
) -> ConversationReply:
    """The reply to a stored user message: the one it had, the advisor's route, or the bot's."""
    conversation_id = conversation.id
    if stored.delivery is DeliveryStatus.DELIVERED:
        replies = await conversations.replies_to(db_session=db_session, message=stored)
        return await _reply(db_session=db_session, conversation=conversation, messages=replies)

    if conversation.status in HANDED_OFF:
        routed = await handoff_flows.forward_to_advisor(
            db_session=db_session,
            rasa=rasa,
            notifier=notifier,
            now=now,
            conversation=conversation,
            message=stored,
        )
        if routed is not None:
            return await _reply(db_session=db_session, conversation=conversation, messages=routed)
    try:
        messages, requests = await _bot_turn(
            db_session=db_session, rasa=rasa, conversation=conversation, stored=stored
        )
    except UpstreamUnavailableError as exc:
        stored.delivery = DeliveryStatus.FAILED
        await db_session.commit()
        exc.extra.update(conversation_id=conversation_id, message_id=stored.id)
        raise
    await db_session.commit()  # the reply and the review requests, together
    messages += await _carry_out(
        db_session=db_session,
        rasa=rasa,
        notifier=notifier,
        hours=hours,
        desk=desk,
        wake_outbox=wake_outbox,
        now=now,
        conversation=conversation,
        requests=requests,
    )
    return await _reply(db_session=db_session, conversation=conversation, messages=messages)


async def _store_once(
    *,
    db_session: AsyncSession,
    conversation: Conversation,
    message: MessageCreate,
    stale_after: timedelta,
) -> Message:
    """The user's message, stored and committed unless a retry finds it stored already."""
    client_id = message.client_message_id
    if client_id is not None:
        found = await conversations.user_message_by_client_id(
            db_session=db_session, conversation_id=conversation.id, client_message_id=client_id
        )
        if found is not None:
            return _retried(found, stale_after=stale_after)
    try:
        stored = await conversations.add_user_message(
            db_session=db_session,
            conversation=conversation,
            text=message.text,
            payload=message.payload,
            client_message_id=client_id,
        )
        if conversation.status is ConversationStatus.CLOSED:
            conversation.status = ConversationStatus.BOT  # a new message reopens it
        await db_session.commit()  # the message is safe before anything can fail downstream
    except IntegrityError:  # the same retry arrived twice at once: the other one stored it
        await db_session.rollback()
        # The rollback expired the conversation: read it again here rather than lazily later.
        await db_session.refresh(conversation)
        assert client_id is not None
        found = await conversations.user_message_by_client_id(
            db_session=db_session, conversation_id=conversation.id, client_message_id=client_id
        )
        if found is None:
            raise
        return _retried(found, stale_after=stale_after)
    return stored


def _retried(found: Message, *, stale_after: timedelta) -> Message:
    """A retried message: its reply if it has one, another try if it failed or if the process
    that was answering it is gone (pending for longer than Rasa may take), else a 409."""
    abandoned = utcnow() - as_utc(found.created_at) > stale_after
    if found.delivery is DeliveryStatus.PENDING and not abandoned:
        raise ConflictError(
            f"message {found.client_message_id} is still being answered",
            "Votre message est en cours de traitement : la réponse arrive.",
        )
    return found


async def _bot_turn(
    *, db_session: AsyncSession, rasa: RasaClient, conversation: Conversation, stored: Message
) -> tuple[list[Message], BotRequests]:
    """Send a stored user message to Rasa; store its answer and the review requests."""
    # An advisor's chat ended while Rasa was unreachable: resume its tracker first.
    if conversation.bot_paused:
        resumed = await handoff_flows.resume_bot(
            db_session=db_session, rasa=rasa, conversation=conversation, sent=None
        )
        if resumed is None:
            raise UpstreamUnavailableError(
                "Rasa did not resume the conversation", UNAVAILABLE_MESSAGE
            )
    sent = stored.payload if stored.payload is not None else stored.text
    assert sent is not None
    reply = await ask_bot(db_session=db_session, rasa=rasa, conversation=conversation, sent=sent)
    if not reply.messages and not reply.custom:
        # Rasa answers nothing when an action fails (the action server is down): the user must
        # not get an empty 200; the message stays stored, undelivered, for the retry.
        raise UpstreamUnavailableError("Rasa returned an empty reply", UNAVAILABLE_MESSAGE)
    stored.delivery = DeliveryStatus.DELIVERED
    requests = bot_requests(reply.custom)
    for review in requests.reviews:
        await conversations.log_unanswered(
            db_session=db_session,
            conversation_id=conversation.id,
            text=review.text,
            reason=review.reason,
            candidates=review.candidates,
            nlu_domain=review.domain,
            message_id=stored.id,
        )
    return reply.messages, requests


async def _carry_out(
    *,
    db_session: AsyncSession,
    rasa: RasaClient,
    notifier: Notifier,
    hours: OpeningHours,
    desk: FsdDesk,
    wake_outbox: OutboxWaker,
    now: datetime,
    conversation: Conversation,
    requests: BotRequests,
) -> list[Message]:
    """Do what the bot asked: open an FSD, tell a status, hand off; return what is said."""
    messages: list[Message] = []
    if requests.fsd is not None:
        messages += await fsd_flows.open_from_bot(
            db_session=db_session, desk=desk, conversation=conversation, request=requests.fsd
        )
        await db_session.commit()
        wake_outbox()
    if requests.fsd_status is not None:
        messages += await fsd_flows.status_for_bot(
            db_session=db_session, conversation=conversation, number=requests.fsd_status
        )
        await db_session.commit()
    if requests.handoff is not None:
        messages += await handoff_flows.request_handoff(
            db_session=db_session,
            rasa=rasa,
            notifier=notifier,
            hours=hours,
            now=now,
            conversation=conversation,
            request=requests.handoff,
        )
    return messages


async def _reply(
    *, db_session: AsyncSession, conversation: Conversation, messages: list[Message]
) -> ConversationReply:
    # Only a conversation waiting for or with an advisor has an open handoff: no query otherwise.
    return ConversationReply(
        conversation_id=conversation.id,
        status=conversation.status,
        messages=[BotMessageRead.model_validate(m) for m in messages],
        handoff=await handoff_service.state(db_session=db_session, conversation_id=conversation.id)
        if conversation.status in HANDED_OFF
        else None,
    )


async def check_access(
    *, db_session: AsyncSession, conversation_id: str, token: str | None
) -> None:
    """Raise unless the conversation exists and the token is its own."""
    conversation = await conversations.get_or_raise(
        db_session=db_session, conversation_id=conversation_id
    )
    conversations.check_token(conversation=conversation, token=token)


def check_rest_channel_token(*, settings: Settings, token: str | None) -> bool:
    """Whether the REST channel's caller is trusted (its token configured and given); raise
    when a token is configured and the caller's is missing or wrong."""
    expected = settings.rest_channel_token
    if expected is None:
        return False
    if token is None or not hmac.compare_digest(
        token.encode(), expected.get_secret_value().encode()
    ):
        raise AuthenticationError(
            "missing or wrong REST channel token (?token=)", "Vous devez vous identifier."
        )
    return True


async def read_conversation(*, db_session: AsyncSession, conversation_id: str) -> ConversationRead:
    """The conversation's status, whole transcript and open handoff (to restore the widget)."""
    conversation = await conversations.get_with_messages_or_raise(
        db_session=db_session, conversation_id=conversation_id
    )
    read = ConversationRead.model_validate(conversation)
    read.handoff = await handoff_service.state(
        db_session=db_session, conversation_id=conversation_id
    )
    given = await conversations.feedback_given(
        db_session=db_session, conversation_id=conversation_id
    )
    for message in read.messages:
        message.feedback = given.get(message.id)  # type: ignore[assignment]
    return read


async def close_conversation(
    *,
    db_session: AsyncSession,
    rasa: RasaClient,
    notifier: Notifier,
    now: datetime,
    conversation_id: str,
) -> ConversationRead:
    """The user ends the conversation: a waiting or active LiveChat ends too."""
    conversation = await conversations.get_or_raise(
        db_session=db_session, conversation_id=conversation_id
    )
    await handoff_flows.end_conversation(
        db_session=db_session, rasa=rasa, notifier=notifier, now=now, conversation=conversation
    )
    return await read_conversation(db_session=db_session, conversation_id=conversation_id)


async def give_feedback(
    *, db_session: AsyncSession, rasa: RasaClient, conversation_id: str, body: FeedbackCreate
) -> FeedbackRead:
    """Store a thumbs up / down; after a thumbs down, the bot offers a human advisor."""
    conversation = await conversations.get_or_raise(
        db_session=db_session, conversation_id=conversation_id
    )
    message = await conversations.rateable_message(
        db_session=db_session, conversation_id=conversation_id, message_id=body.message_id
    )
    feedback = await conversations.record_feedback(
        db_session=db_session,
        message=message,
        rating=FeedbackRating(body.rating),
        comment=body.comment,
        ministry_code=body.ministry_code,
    )
    await db_session.commit()  # the feedback is kept even if Rasa does not answer

    answer: list[Message] = []
    if feedback.rating == FeedbackRating.DOWN and conversation.status is ConversationStatus.BOT:
        try:
            reply = await ask_bot(
                db_session=db_session,
                rasa=rasa,
                conversation=conversation,
                sent=payload(INTENT_NEGATIVE_FEEDBACK),
            )
            await db_session.commit()
            answer = reply.messages
        except UpstreamUnavailableError:
            answer = []
    read = FeedbackRead.model_validate(feedback)
    read.messages = [BotMessageRead.model_validate(m) for m in answer]
    return read


async def rate_conversation(
    *, db_session: AsyncSession, conversation_id: str, body: RatingCreate
) -> RatingRead:
    """Store the conversation's stars; they rate the advisor's chat too if one just ended."""
    conversation = await conversations.get_or_raise(
        db_session=db_session, conversation_id=conversation_id
    )
    rating = await conversations.record_rating(
        db_session=db_session, conversation=conversation, stars=body.stars, comment=body.comment
    )
    await handoff_service.record_stars(
        db_session=db_session, conversation_id=conversation_id, stars=body.stars
    )
    await db_session.commit()
    return RatingRead.model_validate(rating)
