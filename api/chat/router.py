"""Chat endpoints: the widget's API, its WebSocket, and Rasa's REST channel format."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, File, Header, Query, Request, UploadFile, WebSocket
from fastapi.exceptions import RequestValidationError

from api.chat import flows, socket
from api.chat.schemas import (
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
from api.core.deps import (
    ClockDep,
    ConversationIdPath,
    IdPath,
    NotifierDep,
    RasaDep,
    SessionDep,
    SettingsDep,
    ThrottleDep,
    WakeOutboxDep,
)
from api.core.throttle import Throttle
from api.fsd import flows as fsd_flows
from api.fsd.deps import DeskDep
from api.fsd.schemas import AttachmentRead
from api.handoff.deps import HoursDep

router = APIRouter(prefix="/conversations", tags=["conversations"])
# Rasa's REST channel, served by the gateway so clients written for Rasa work unchanged.
webhook_router = APIRouter(tags=["conversations"])

ERROR_RESPONSES: dict[int | str, dict[str, str]] = {
    401: {
        "description": "No conversation token for an existing conversation, or an identity "
        "token that is malformed, badly signed or expired."
    },
    403: {"description": "Not this conversation's token."},
    422: {"description": "Invalid input: `detail` says which field and why, `message` in French."},
    429: {"description": "Too many writes for this conversation or address (Retry-After)."},
    503: {
        "description": "Rasa did not answer; the user's message is stored (`message_id`); the "
        "message that created the conversation gets its `conversation_token` here too."
    },
}


def _within_limits(message: MessageCreate, settings: Settings) -> MessageCreate:
    errors = limit_errors(message, settings)
    if errors:
        raise RequestValidationError(errors)
    return message


async def checked_message(body: MessageCreate, settings: SettingsDep) -> MessageCreate:
    """The request's message, within the configured limits."""
    return _within_limits(body, settings)


async def checked_webhook_message(body: RestWebhookIn, settings: SettingsDep) -> RestWebhookIn:
    """The webhook's message, within the configured limits."""
    _within_limits(body.as_message(), settings)
    return body


TOO_MANY_WRITES = "Vous envoyez trop de messages : merci de patienter quelques instants."


async def _spend_write(
    *, throttle: Throttle, settings: Settings, conversation_id: str, request: Request
) -> None:
    address = request.client.host if request.client else "unknown"
    per_conversation = Throttle.limit(settings.public_writes_per_conversation)
    per_address = Throttle.limit(settings.public_writes_per_address)
    await throttle.spend(per_address, "write-address", address, message=TOO_MANY_WRITES)
    await throttle.spend(
        per_conversation, "write-conversation", conversation_id, message=TOO_MANY_WRITES
    )


async def public_write(
    conversation_id: ConversationIdPath,
    request: Request,
    throttle: ThrottleDep,
    settings: SettingsDep,
) -> None:
    """Count a public write against its conversation and its address (429 beyond)."""
    await _spend_write(
        throttle=throttle, settings=settings, conversation_id=conversation_id, request=request
    )


async def public_webhook_write(
    body: Annotated[RestWebhookIn, Depends(checked_webhook_message)],
    request: Request,
    throttle: ThrottleDep,
    settings: SettingsDep,
) -> None:
    """The same count for Rasa's REST channel (the conversation is the sender)."""
    await _spend_write(
        throttle=throttle, settings=settings, conversation_id=body.sender, request=request
    )


Throttled = [Depends(public_write)]
MessageHandler = Callable[[str, MessageCreate, flows.Caller], Awaitable[ConversationReply]]
ConversationToken = Annotated[
    str | None,
    Header(
        alias="X-Conversation-Token",
        max_length=100,
        description="The token the conversation's first message returned (`conversation_token`).",
    ),
]


async def _message_handler(
    db_session: SessionDep,
    rasa: RasaDep,
    notifier: NotifierDep,
    hours: HoursDep,
    desk: DeskDep,
    wake_outbox: WakeOutboxDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> MessageHandler:
    """The turn of api/chat/flows.py with this request's session and the runtime services."""

    async def handle(
        conversation_id: str, message: MessageCreate, caller: flows.Caller
    ) -> ConversationReply:
        return await flows.handle_user_message(
            db_session=db_session,
            rasa=rasa,
            notifier=notifier,
            hours=hours,
            desk=desk,
            wake_outbox=wake_outbox,
            now=clock(),
            settings=settings,
            caller=caller,
            conversation_id=conversation_id,
            message=message,
        )

    return handle


HandleMessage = Annotated[MessageHandler, Depends(_message_handler)]


async def _owned_conversation(
    conversation_id: ConversationIdPath, db_session: SessionDep, token: ConversationToken = None
) -> str:
    """The conversation's id, once the request proved it holds the conversation's token."""
    await flows.check_access(db_session=db_session, conversation_id=conversation_id, token=token)
    return conversation_id


OwnedConversationId = Annotated[str, Depends(_owned_conversation)]
TOKEN_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "No `X-Conversation-Token` header."},
    403: {
        "description": "Not this conversation's token (or a conversation of Rasa's REST channel)."
    },
    404: {"description": "No such conversation."},
}


@router.post(
    "/{conversation_id}/messages",
    response_model=ConversationReply,
    responses=ERROR_RESPONSES,
    dependencies=Throttled,
)
async def post_message(
    conversation_id: ConversationIdPath,
    body: Annotated[MessageCreate, Depends(checked_message)],
    handle: HandleMessage,
    token: ConversationToken = None,
) -> ConversationReply:
    """Send a user message (text or button payload) and get the bot's reply.

    The first message creates the conversation and returns its `conversation_token`; every
    later one sends it back in `X-Conversation-Token`.
    """
    caller = flows.Caller(conversation_token=token, identity_token=body.identity())
    return await handle(conversation_id, body, caller)


@router.get("/{conversation_id}", response_model=ConversationRead, responses=TOKEN_ERRORS)
async def get_conversation(
    conversation_id: OwnedConversationId, db_session: SessionDep
) -> ConversationRead:
    """Return the conversation's status and whole transcript (to restore the widget)."""
    return await flows.read_conversation(db_session=db_session, conversation_id=conversation_id)


@router.post(
    "/{conversation_id}/close",
    response_model=ConversationRead,
    responses=TOKEN_ERRORS,
    dependencies=Throttled,
)
async def close_conversation(
    conversation_id: OwnedConversationId,
    db_session: SessionDep,
    rasa: RasaDep,
    notifier: NotifierDep,
    clock: ClockDep,
) -> ConversationRead:
    """End the conversation (the widget's "Terminer"): a waiting or active LiveChat ends too.

    A later message reopens it with the bot.
    """
    return await flows.close_conversation(
        db_session=db_session,
        rasa=rasa,
        notifier=notifier,
        now=clock(),
        conversation_id=conversation_id,
    )


@router.post(
    "/{conversation_id}/feedback",
    response_model=FeedbackRead,
    status_code=201,
    responses={
        **TOKEN_ERRORS,
        404: {"description": "No such conversation, or no such message in it."},
        422: {"description": "Invalid input, or the message carries no answer to rate."},
    },
    dependencies=Throttled,
)
async def post_feedback(
    conversation_id: OwnedConversationId,
    body: FeedbackCreate,
    db_session: SessionDep,
    rasa: RasaDep,
) -> FeedbackRead:
    """Rate a bot answer thumbs up / down; after a down, `messages` offer a human advisor."""
    return await flows.give_feedback(
        db_session=db_session, rasa=rasa, conversation_id=conversation_id, body=body
    )


@router.post(
    "/{conversation_id}/rating",
    response_model=RatingRead,
    status_code=201,
    responses=TOKEN_ERRORS,
    dependencies=Throttled,
)
async def post_rating(
    conversation_id: OwnedConversationId, body: RatingCreate, db_session: SessionDep
) -> RatingRead:
    """Rate the whole conversation with 1 to 5 stars (the latest rating counts)."""
    return await flows.rate_conversation(
        db_session=db_session, conversation_id=conversation_id, body=body
    )


ATTACHMENT_ERRORS: dict[int | str, dict[str, str]] = {
    **TOKEN_ERRORS,
    404: {"description": "No such conversation, or the FSD was not opened in it."},
    409: {"description": "The FSD is closed."},
    413: {"description": "File too large (`FSD_MAX_ATTACHMENT_BYTES`)."},
    422: {"description": "Empty file, type not recognised from its content, or too many files."},
}


@router.post(
    "/{conversation_id}/fsd/{number}/attachments",
    response_model=AttachmentRead,
    status_code=201,
    responses=ATTACHMENT_ERRORS,
    dependencies=Throttled,
)
async def attach_to_fsd(
    conversation_id: OwnedConversationId,
    number: IdPath,
    file: Annotated[UploadFile, File(description="PNG, JPEG, PDF, XLSX, XLS, ODS or CSV")],
    db_session: SessionDep,
    settings: SettingsDep,
) -> AttachmentRead:
    """Join a screenshot or a file to the FSD this conversation opened.

    The type is read from the file's first bytes (an image is a screenshot); sending the same
    file again returns the attachment already joined.
    """
    data = await file.read(settings.fsd_max_attachment_bytes + 1)
    attachment = await fsd_flows.attach_from_conversation(
        db_session=db_session,
        conversation_id=conversation_id,
        number=number,
        filename=file.filename or "fichier",
        data=data,
        max_bytes=settings.fsd_max_attachment_bytes,
        max_count=settings.fsd_max_attachments,
    )
    await db_session.commit()
    return AttachmentRead.model_validate(attachment)


@router.get(
    "/{conversation_id}/fsd/{number}/attachments",
    response_model=list[AttachmentRead],
    responses=ATTACHMENT_ERRORS,
)
async def list_fsd_attachments(
    conversation_id: OwnedConversationId, number: IdPath, db_session: SessionDep
) -> list[AttachmentRead]:
    """The files already joined to the FSD this conversation opened."""
    found = await fsd_flows.attachments_from_conversation(
        db_session=db_session, conversation_id=conversation_id, number=number
    )
    return [AttachmentRead.model_validate(attachment) for attachment in found]


@router.websocket("/{conversation_id}/ws")
async def conversation_socket(
    websocket: WebSocket,
    conversation_id: ConversationIdPath,
    after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    token: Annotated[str | None, Query(max_length=100)] = None,
) -> None:
    """The widget's live channel: bot and advisor messages after `after`, status changes.

    `token` is the conversation's token; closed with 4404 for an unknown conversation, 4401
    without the token, 4403 with another one.
    """
    await socket.widget_socket(
        websocket=websocket, conversation_id=conversation_id, after=after, token=token
    )


@webhook_router.post(
    "/webhooks/rest/webhook",
    response_model=list[RestWebhookOut],
    response_model_exclude_none=True,
    responses=ERROR_RESPONSES,
    dependencies=[Depends(public_webhook_write)],
)
async def rest_webhook(
    body: Annotated[RestWebhookIn, Depends(checked_webhook_message)],
    handle: HandleMessage,
    settings: SettingsDep,
    token: Annotated[str | None, Query(max_length=200)] = None,
) -> list[RestWebhookOut]:
    """Rasa's REST channel: `{"sender", "message"}` in, `[{"recipient_id", "text", "buttons"}]`.

    With REST_CHANNEL_TOKEN set, `?token=` must carry it (as Rasa's `--auth-token`), and only
    then does an identity token in `metadata.identity_token` count. Its conversations have no
    conversation token; it cannot write to a widget conversation.
    """
    trusted = flows.check_rest_channel_token(settings=settings, token=token)
    message = body.as_message()
    caller = flows.Caller(identity_token=message.identity() if trusted else None, rest_channel=True)
    reply = await handle(body.sender, message, caller)
    return [
        RestWebhookOut(recipient_id=body.sender, text=m.text, buttons=m.buttons or None)
        for m in reply.messages
    ]
