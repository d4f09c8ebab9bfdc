"""Content checks on the knowledge entries as users read them."""

from knowledge_base.loader import load_entries


def test_answers_have_no_folding_artefacts() -> None:
    """A list written in a folded YAML block (`>-`) keeps its continuation lines' indentation
    and glues its items together: answers with lists must use literal blocks (`|-`)."""
    texts = []
    for entry in load_entries():
        texts.append((entry.id, entry.answer))
        if entry.follow_up:
            texts += [(entry.id, o.answer) for o in entry.follow_up.options]
    assert [i for i, t in texts if "\n " in t or ". - " in t] == []
