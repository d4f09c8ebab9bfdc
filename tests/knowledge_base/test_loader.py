"""The knowledge YAML files: the shipped ones load, bad ones are refused with file, entry and field."""

from pathlib import Path

import pytest

from knowledge_base.loader import KnowledgeFileError, load_entries
from knowledge_base.schema import Kind
from knowledge_base.taxonomy import load_domains

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_IDS = [d.id for d in load_domains(ROOT / "knowledge_base" / "domains.yml")]

GOOD_ENTRY = """
  - id: {id}
    application: chorus
    domain: ej
    title: Titre
    answer: Réponse.
"""


def write(tmp_path: Path, body: str, name: str = "ej.yml") -> Path:
    (tmp_path / name).write_text("domain: ej\nentries:\n" + body, encoding="utf-8")
    return tmp_path


def test_shipped_entries_cover_the_fifteen_domains_with_sixty_entries_or_more() -> None:
    entries = load_entries(known_domains=DOMAIN_IDS)

    assert len(entries) >= 60
    assert {e.domain for e in entries} == set(DOMAIN_IDS)
    assert sum(e.kind is Kind.MAJOR_INCIDENT for e in entries) >= 5


def test_the_seeds_ej_error_list_is_covered() -> None:
    texts = " | ".join(m for e in load_entries() for m in e.error_messages).lower()

    for fragment in (
        "centre financier {cf} inexistant",
        "domaine fonctionnel",
        "imputations erronées",
        "n'a pas encore été reporté dans exercice en cours",
        "règle de dérivation",
        "n'existe pas ds périm",
        "report nul automatique",
        "remontée d'ae",
        "blanc/espace",
    ):
        assert fragment in texts


def test_follow_up_of_the_report_message_has_the_two_modifications() -> None:
    entry = next(e for e in load_entries() if e.id == "ej-poste-piece-non-reporte")

    assert entry.follow_up is not None
    assert entry.follow_up.question == "Quelle est la modification apportée sur l'EJ ?"
    assert [o.label for o in entry.follow_up.options] == [
        "Abonnement d'un poste",
        "Ajout d'un tiers",
    ]
    assert entry.follow_up.options[0].buttons[0].entry_id == "fsd-creation"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (GOOD_ENTRY.format(id="Bad Id"), "entry #1 (Bad Id), field id"),
        (GOOD_ENTRY.format(id="ok") + "    colour: blue\n", "entry #1 (ok), field colour"),
        (GOOD_ENTRY.format(id="ok").replace("chorus", "sap"), "entry #1 (ok), field application"),
        (
            GOOD_ENTRY.format(id="ok").replace("    answer: Réponse.\n", ""),
            "entry #1 (ok), field answer",
        ),
        (GOOD_ENTRY.format(id="ok") + "    kind: major_incident\n", "entry #1 (ok), field (entry)"),
        (
            GOOD_ENTRY.format(id="ok").replace("domain: ej", "domain: fsd"),
            "entry #1 (ok), field domain",
        ),
        (GOOD_ENTRY.format(id="a") + GOOD_ENTRY.format(id="a"), "entry a: id already used"),
        (
            GOOD_ENTRY.format(id="a")
            + "    buttons:\n      - title: X\n        entry_id: nowhere\n",
            "entry a, field buttons: no entry with id 'nowhere'",
        ),
        ("  - [unclosed\n", "while parsing"),
    ],
)
def test_bad_files_are_refused_naming_file_entry_and_field(
    tmp_path: Path, body: str, expected: str
) -> None:
    directory = write(tmp_path, body)

    with pytest.raises(KnowledgeFileError) as error:
        load_entries(directory)

    assert str(directory / "ej.yml") in str(error.value)
    assert expected in str(error.value)


def test_unknown_domain_is_refused(tmp_path: Path) -> None:
    directory = write(tmp_path, GOOD_ENTRY.format(id="ok"))

    with pytest.raises(KnowledgeFileError, match="unknown domain 'ej'"):
        load_entries(directory, known_domains=["fsd"])
