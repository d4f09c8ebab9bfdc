"""The pasted-error detector: shapes of pastes, and questions it must leave alone."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.components.paste_detector import ErrorPasteDetector, looks_like_paste


@pytest.mark.parametrize(
    "text",
    [
        "Erreur dans le système de gestion : Poste de pièce 1508892764/00003 n'a pas encore été reporté",
        "erreur dans le systeme de gestion. la valeur Blanc/Espace est non valide",
        "Message : le document 12 est verrouillé",
        "Bonjour, j'ai ce message : Centre financier 0214-CDBU-C001 inexistant, merci",
        "Ctre financier 0140-DR75-DP75 n'existe pas ds périm. Fin BG00 et exercice 2023",
        "Une erreur est survenue dans la règle de dérivation",
        "Aucune autoris. pr périm. fin. BG00 version 0 catég. budg. 9G",
    ],
)
def test_pastes_are_recognised(text: str) -> None:
    assert looks_like_paste(text)


@pytest.mark.parametrize(
    "text",
    [
        "comment créer une fiche service desk ?",
        "je n'arrive pas à me connecter à Chorus Pro",
        "pourquoi le centre financier n'existe pas dans mon périmètre ?",
        "j'ai un message d'erreur",
        "bonjour",
        "/connexion",
        "mon EJ est bloqué depuis hier",
        "",
    ],
)
def test_questions_and_payloads_are_left_to_the_classifier(text: str) -> None:
    assert not looks_like_paste(text)


def test_the_component_overrides_the_intent_of_pastes_only() -> None:
    paste = Message(
        data={
            "text": "Erreur : Pièce 1508892764 verrouillée",
            "intent": {"name": "ej", "confidence": 0.6},
        }
    )
    question = Message(
        data={"text": "comment ajouter un tiers ?", "intent": {"name": "ej", "confidence": 0.9}}
    )

    ErrorPasteDetector().process([paste, question])

    assert paste.get("intent") == {"name": "paste_error", "confidence": 1.0}
    assert question.get("intent") == {"name": "ej", "confidence": 0.9}


def test_error_wording_alone_does_not_override_a_confident_classifier() -> None:
    """ "Le fournisseur n'existe pas dans le référentiel" is a question about suppliers, unless
    the classifier has no idea; with a code or a prefix it is a paste whatever the classifier."""
    text = "le fournisseur n'existe pas encore dans le référentiel"
    confident = Message(data={"text": text, "intent": {"name": "rnf", "confidence": 0.95}})
    unsure = Message(data={"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.2}})
    coded = Message(
        data={"text": text + " 0214-CDBU", "intent": {"name": "rnf", "confidence": 0.95}}
    )

    ErrorPasteDetector().process([confident, unsure, coded])

    assert confident.get("intent")["name"] == "rnf"
    assert unsure.get("intent")["name"] == "paste_error"
    assert coded.get("intent")["name"] == "paste_error"
