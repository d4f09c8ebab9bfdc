"""The vocabulary the two environments share agrees with Rasa's domain."""

from pathlib import Path

import yaml

from knowledge_base.vocabulary import (
    FSD_IMPACT_LABELS,
    FSD_KIND_LABELS,
    FSD_SEVERITY_LABELS,
    GATEWAY_INTENTS,
    INTENT_DOMAINS,
)

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())


def _button_titles(response: str) -> list:
    return [b["title"] for b in DOMAIN["responses"][response][0]["buttons"]]


def test_every_intent_the_gateway_sends_exists_in_the_domain() -> None:
    assert sorted(set(GATEWAY_INTENTS) - set(DOMAIN["intents"])) == []


def test_every_intent_mapped_to_a_domain_exists() -> None:
    assert sorted(set(INTENT_DOMAINS) - set(DOMAIN["intents"])) == []


def test_the_fsd_form_offers_the_shared_labels() -> None:
    # Each choice, then the way out of the form.
    cancel = ["Annuler la fiche"]
    assert _button_titles("utter_ask_fsd_severity") == [*FSD_SEVERITY_LABELS.values(), *cancel]
    assert _button_titles("utter_ask_fsd_impact") == [*FSD_IMPACT_LABELS.values(), *cancel]
    assert _button_titles("utter_ask_fsd_kind") == [*FSD_KIND_LABELS.values(), *cancel]
