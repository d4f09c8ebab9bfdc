"""What the assistant tells the user about advisors, in French."""

import json

from api.conversations.service import BotUtterance
from api.handoff.schemas import CATEGORIES
from knowledge_base.vocabulary import (
    INTENT_CANCEL_HANDOFF,
    INTENT_DENY,
    INTENT_LEAVE_MESSAGE,
    INTENT_REQUEST_FSD,
    payload,
)

CANCEL_PAYLOAD = payload(INTENT_CANCEL_HANDOFF)
CANCEL_BUTTON = {"title": "Quitter la file d'attente", "payload": CANCEL_PAYLOAD}


def queued(*, category: str, position: int) -> BotUtterance:
    """The user is in the queue, at this place."""
    label = CATEGORIES.get(category, category)
    ahead = (
        "Vous êtes le prochain à être pris en charge."
        if position == 1
        else f"Vous êtes en position {position} dans la file d'attente."
    )
    return BotUtterance(
        text=f"Je transmets votre demande à un conseiller ({label}). {ahead} Restez sur cette "
        "page : le conseiller vous répondra ici. Vous pouvez déjà décrire votre demande.",
        buttons=[CANCEL_BUTTON],
    )


def message_left(*, category: str, back: str | None) -> BotUtterance:
    """Outside opening hours, the user leaves a message for the advisors."""
    label = CATEGORIES.get(category, category)
    when = f" dès leur retour ({back})" if back else " dès que possible"
    return BotUtterance(
        text=f"Écrivez votre message ci-dessous : il sera transmis aux conseillers ({label}), "
        f"qui vous répondront ici{when}. Vous retrouverez leur réponse en revenant sur cette "
        "page.",
        buttons=[CANCEL_BUTTON],
    )


def away(*, category: str, schedule: str, back: str | None) -> BotUtterance:
    """Advisors are not there: when they are back, and what the user can do meanwhile."""
    when = f" Ils seront de retour {back}." if back else ""
    return BotUtterance(
        text=f"Nos conseillers répondent {schedule}.{when} Vous pouvez leur laisser un "
        "message : un conseiller vous répondra ici à son retour. Vous pouvez aussi demander "
        "l'ouverture d'une fiche service desk (FSD).",
        buttons=[
            {
                "title": "Laisser un message",
                "payload": payload(INTENT_LEAVE_MESSAGE) + json.dumps({"category": category}),
            },
            {"title": "Ouvrir une fiche (FSD)", "payload": payload(INTENT_REQUEST_FSD)},
            {"title": "Non merci", "payload": payload(INTENT_DENY)},
        ],
    )


def advisor_joined() -> BotUtterance:
    """An advisor took the conversation."""
    return BotUtterance(
        text="Un conseiller a rejoint la conversation. Il lit votre échange avec l'assistant.",
        buttons=[],
    )


def left_queue(*, with_advisor: bool) -> BotUtterance:
    """The user left the queue, or the chat with the advisor."""
    left = (
        "Vous avez mis fin à l'échange avec le conseiller."
        if with_advisor
        else "Vous avez quitté la file d'attente."
    )
    return BotUtterance(
        text=f"{left} Je reste à votre disposition : posez votre question ou choisissez un "
        "domaine.",
        buttons=[],
    )


def chat_closed_fallback() -> BotUtterance:
    """The advisor closed the chat and the bot could not say so itself."""
    return BotUtterance(
        text="Le conseiller a mis fin à l'échange. Merci d'évaluer cet échange avec le conseiller.",
        buttons=[],
        ask_rating=True,
    )
