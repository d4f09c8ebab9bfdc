"""Conversation endpoints: the widget's API and Rasa's REST channel format."""

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.exceptions import RequestValidationError

from api.conversations import flows, service
from api.conversations.schemas import (
    ConversationRead,
    ConversationReply,
    FeedbackCreate,
    FeedbackRead,
    MessageCreate,
    RatingCreate,
    RatingRead,
    RestWebhookIn,
    RestWebhookOut,
    limit_errors,
)
from api.core.config import Settings
from api.deps import ConversationIdPath, LiveChatDep, SessionDep, SettingsDep
from api.handoff import flows as handoff_flows
from api.handoff import service as handoff_service

router = APIRouter(tags=["conversations"])


def _within_limits(message: MessageCreate, settings: Settings) -> MessageCreate:
    errors = limit_errors(message, settings)
    if errors:
        raise RequestValidationError(errors)
    return message


def checked_message(body: MessageCreate, settings: SettingsDep) -> MessageCreate:
    """The request's message, within the configured limits."""
    return _within_limits(body, settings)


def checked_webhook_message(body: RestWebhookIn, settings: SettingsDep) -> RestWebhookIn:
    """The webhook's message, within the configured limits."""
    _within_limits(body.as_message(), settings)
    return body


ERROR_RESPONSES: dict[int | str, dict[str, str]] = {
    422: {"description": "Invalid input: `detail` says which field and why, `message` in French."},
    503: {"description": "Rasa did not answer; the user's message is stored (`message_id`)."},
}


@router.post(
    "/api/v1/conversations/{conversation_id}/messages",
    response_model=ConversationReply,
    responses=ERROR_RESPONSES,
)
async def post_message(
    conversation_id: ConversationIdPath,
    body: Annotated[MessageCreate, Depends(checked_message)],
    db_session: SessionDep,
    live: LiveChatDep,
) -> ConversationReply:
    """Send a user message (text or button payload) and get the bot's reply."""
    return await flows.handle_user_message(
        db_session=db_session, live=live, conversation_id=conversation_id, message=body
    )


@router.get(
    "/api/v1/conversations/{conversation_id}",
    response_model=ConversationRead,
    responses={404: {"description": "No such conversation."}},
)
async def get_conversation(
    conversation_id: ConversationIdPath, db_session: SessionDep
) -> ConversationRead:
    """Return the conversation's status and whole transcript (to restore the widget)."""
    conversation = await service.get_with_messages_or_raise(
        db_session=db_session, conversation_id=conversation_id
    )
    read = ConversationRead.model_validate(conversation)
    read.handoff = await handoff_service.state(
        db_session=db_session, conversation_id=conversation_id
    )
    return read


@router.post(
    "/api/v1/conversations/{conversation_id}/close",
    response_model=ConversationRead,
    responses={404: {"description": "No such conversation."}},
)
async def close_conversation(
    conversation_id: ConversationIdPath, db_session: SessionDep, live: LiveChatDep
) -> ConversationRead:
    """End the conversation (the widget's "Terminer"): a waiting or active LiveChat ends too.

    A later message reopens it with the bot.
    """
    conversation = await service.get_or_raise(
        db_session=db_session, conversation_id=conversation_id
    )
    await handoff_flows.end_conversation(
        db_session=db_session, live=live, conversation=conversation
    )
    return await get_conversation(conversation_id, db_session)


@router.post(
    "/api/v1/conversations/{conversation_id}/feedback",
    response_model=FeedbackRead,
    status_code=201,
    responses={
        404: {"description": "No such conversation, or no such message in it."},
        422: {"description": "Invalid input, or the message carries no answer to rate."},
    },
)
async def post_feedback(
    conversation_id: ConversationIdPath,
    body: FeedbackCreate,
    db_session: SessionDep,
    live: LiveChatDep,
) -> FeedbackRead:
    """Rate a bot answer thumbs up / down; after a down, `messages` offer a human advisor."""
    return await flows.give_feedback(
        db_session=db_session, live=live, conversation_id=conversation_id, body=body
    )


@router.post(
    "/api/v1/conversations/{conversation_id}/rating",
    response_model=RatingRead,
    status_code=201,
    responses={404: {"description": "No such conversation."}},
)
async def post_rating(
    conversation_id: ConversationIdPath, body: RatingCreate, db_session: SessionDep
) -> RatingRead:
    """Rate the whole conversation with 1 to 5 stars (the latest rating counts)."""
    conversation = await service.get_or_raise(
        db_session=db_session, conversation_id=conversation_id
    )
    rating = await service.record_rating(
        db_session=db_session, conversation=conversation, stars=body.stars, comment=body.comment
    )
    await handoff_service.record_stars(
        db_session=db_session, conversation_id=conversation_id, stars=body.stars
    )
    await db_session.commit()
    return RatingRead.model_validate(rating)


@router.post(
    "/webhooks/rest/webhook",
    response_model=list[RestWebhookOut],
    response_model_exclude_none=True,
    responses=ERROR_RESPONSES,
)
async def rest_webhook(
    body: Annotated[RestWebhookIn, Depends(checked_webhook_message)],
    db_session: SessionDep,
    live: LiveChatDep,
) -> list[RestWebhookOut]:
    """Rasa's REST channel, served by the gateway so clients written for Rasa work unchanged."""
    reply = await flows.handle_user_message(
        db_session=db_session, live=live, conversation_id=body.sender, message=body.as_message()
    )
    return [
        RestWebhookOut(
            recipient_id=body.sender,
            text=m.text,
            buttons=m.buttons or None,
        )
        for m in reply.messages
    ]
