"""How Rasa's REST output becomes stored bot messages (custom data attached to its text)."""

from api.conversations.bot import bot_utterances
from api.core.rasa import RasaUtterance


def test_custom_data_is_attached_to_the_message_it_follows() -> None:
    rasa_output = [
        RasaUtterance(text="Réponse", buttons=[{"title": "Suite", "payload": "/suite"}]),
        RasaUtterance(custom={"entry_id": "fsd-creation", "entry_version": 3}),
        RasaUtterance(text="Au revoir"),
        RasaUtterance(text="Vos étoiles ?", custom={"ask_rating": True}),
    ]

    [answer, goodbye, rating] = bot_utterances(rasa_output)

    assert (answer.text, answer.entry_id, answer.entry_version) == ("Réponse", "fsd-creation", 3)
    assert answer.buttons == [{"title": "Suite", "payload": "/suite"}]
    assert (goodbye.entry_id, goodbye.ask_rating) == (None, False)
    assert rating.ask_rating is True


def test_malformed_or_orphan_custom_data_is_ignored() -> None:
    rasa_output = [
        RasaUtterance(custom={"entry_id": "orphan"}),
        RasaUtterance(text="Texte", custom={"entry_id": 12, "ask_rating": "yes"}),
    ]

    [message] = bot_utterances(rasa_output)

    assert (message.text, message.entry_id, message.ask_rating) == ("Texte", None, False)
