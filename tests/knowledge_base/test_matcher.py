"""The matcher on labelled pastes it was not calibrated on, and on hostile input."""

import time

import pytest

from knowledge_base.evaluation import evaluate, evaluation_set, hand_written, noisy_variants
from knowledge_base.loader import load_entries
from knowledge_base.matcher import Matcher, documents_from_entries

ENTRIES = load_entries()
MATCHER = Matcher(documents_from_entries(ENTRIES))


def test_labelled_set_is_large_enough() -> None:
    variants, unknown = hand_written()
    generated = noisy_variants(ENTRIES, seed=1) + noisy_variants(ENTRIES, seed=2)

    assert len(variants) + len(generated) >= 150
    assert len(unknown) >= 50


def test_top1_on_variants_never_used_for_calibration_is_at_least_95_percent() -> None:
    report = evaluate(MATCHER, evaluation_set(ENTRIES))

    assert report.variants >= 100
    assert report.top1 >= 0.95


def test_confident_answers_to_unknown_messages_stay_at_or_below_5_percent() -> None:
    _, unknown = hand_written()

    report = evaluate(MATCHER, unknown)

    assert report.unknown == 50
    assert report.unknown_confident <= 0.05


def test_confident_answers_are_right() -> None:
    report = evaluate(MATCHER, evaluation_set(ENTRIES))

    assert report.precision >= 0.97
    assert report.recall >= 0.7


def test_the_screenshot_paste_gets_its_entry_without_a_question() -> None:
    result = MATCHER.match(
        "erreur dans le système de gestion : Poste de pièce 1508892764/00003 "
        "n'a pas encore été reporté dans exercice en cours"
    )

    assert result.match is not None
    assert result.match.entry_id == "ej-poste-piece-non-reporte"


def test_a_fragment_shared_by_several_messages_gives_candidates_not_an_answer() -> None:
    result = MATCHER.match("centre financier 0214-CDBU-C001")

    assert result.match is None
    assert {c.entry_id for c in result.candidates} >= {"ej-centre-financier-inexistant"}
    assert len(result.candidates) >= 2


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "123456 789",
        "\x00\x01\x02binary\xff",
        "<script>alert(1)</script>",
        "bonjour",
        "a" * 100_000,
    ],
)
def test_hostile_input_gives_no_answer_quickly(text: str) -> None:
    started = time.perf_counter()
    result = MATCHER.match(text)

    assert result.match is None
    assert (
        time.perf_counter() - started < 1.0
    )  # bounded work; real latency is in make bench-matcher
