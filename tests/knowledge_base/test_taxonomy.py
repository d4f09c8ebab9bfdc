"""Loading and validating the domain taxonomy."""

from pathlib import Path

import pytest

from knowledge_base.taxonomy import TaxonomyError, load_domains

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_taxonomy_has_the_fifteen_domains_with_unique_ids() -> None:
    domains = load_domains(ROOT / "knowledge_base" / "domains.yml")

    assert len(domains) == 15
    assert len({d.id for d in domains}) == 15
    assert all(d.intro.strip() for d in domains)


def test_every_domain_is_an_intent_of_the_rasa_domain() -> None:
    import yaml

    intents = set(yaml.safe_load((ROOT / "domain.yml").read_text())["intents"])
    domains = load_domains(ROOT / "knowledge_base" / "domains.yml")

    assert {d.id for d in domains} <= intents


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("domains: []", "at least 1 item"),
        (
            "domains:\n  - id: a\n    label: A\n    intro: x\n  - id: a\n    label: B\n    intro: y",
            "duplicate domain ids ['a']",
        ),
        ("domains:\n  - id: Bad-Id\n    label: A\n    intro: x", "id"),
        ("domains:\n  - id: a\n    intro: x", "label"),
        ("domains: [unclosed", "while parsing"),
    ],
)
def test_invalid_files_are_refused_with_the_reason(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "domains.yml"
    path.write_text(content)

    with pytest.raises(TaxonomyError) as error:
        load_domains(path)

    assert str(path) in str(error.value)
    assert expected in str(error.value)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="No such file"):
        load_domains(tmp_path / "absent.yml")
