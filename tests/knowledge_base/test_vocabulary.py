"""The shared vocabulary and the knowledge schema say the same thing."""

from knowledge_base.schema import Application
from knowledge_base.vocabulary import APPLICATIONS, payload


def test_entries_are_about_the_shared_applications_or_all() -> None:
    assert {a.value for a in Application} == {*APPLICATIONS, "all"}


def test_a_payload_names_its_intent() -> None:
    assert payload("handoff_closed") == "/handoff_closed"
