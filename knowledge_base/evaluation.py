"""Measure the matcher on labelled pastes, and choose its thresholds on a calibration split.

`python -m knowledge_base.evaluation` prints precision and recall at the current thresholds and
a sweep of the confident threshold on the calibration split.
"""

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge_base.loader import load_entries
from knowledge_base.matcher import Matcher, Thresholds, documents_from_entries
from knowledge_base.normalize import strip_accents
from knowledge_base.schema import Entry

PASTES = Path(__file__).resolve().parents[1] / "tests" / "knowledge_base" / "data" / "pastes.yml"
CALIBRATION_SEED = 1
EVALUATION_SEED = 2

PREFIXES = (
    "",
    "",
    "Erreur dans le système de gestion : ",
    "Erreur dans le système de gestion. ",
    "Message : ",
    "Erreur : ",
    "erreur dans le systeme de gestion ",
)
SURROUNDINGS = (
    ("", ""),
    ("", ""),
    ("Bonjour, j'ai ce message : ", ""),
    ("", " Merci de votre aide."),
    ("Quand j'enregistre j'obtiens\n", "\nque faire ?"),
    ("Bonjour,\n\n", "\n\nCordialement"),
)
VALUES = {
    "piece": ("1508892764/00003", "220514223000005", "1500012345/00010", "2205142230"),
    "cf": ("0214-CDBU-C001", "0140-DR75-DP75", "0230-DGES-D001"),
    "perimetre": ("BG00", "BG01"),
    "exercice": ("2023", "2024", "2025"),
    "code": ("0214-02", "0140-05-01"),
    "poste": ("00010", "00020", "10"),
    "version": ("0", "1"),
    "categorie": ("9G", "3A"),
}


@dataclass(frozen=True)
class Labelled:
    """A paste and the entry it should find (None: no entry should be found)."""

    text: str
    entry_id: str | None


def _typo(text: str, rng: random.Random) -> str:
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if len(letters) < 4:
        return text
    i = rng.choice(letters[1:-1])
    kind = rng.randrange(3)
    if kind == 0:  # drop a letter
        return text[:i] + text[i + 1 :]
    if kind == 1:  # swap two letters
        return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]
    return text[:i] + text[i] + text[i:]  # double a letter


def noisy(message: str, rng: random.Random) -> str:
    """Return the canonical message as a user might paste it."""
    text = re.sub(
        r"\{([a-z_]+)\}", lambda m: rng.choice(VALUES.get(m.group(1), ("123456",))), message
    )
    if rng.random() < 0.5:
        text = strip_accents(text)
    if rng.random() < 0.3:
        text = text.lower() if rng.random() < 0.7 else text.upper()
    for _ in range(rng.choice((0, 0, 1, 1, 2))):
        text = _typo(text, rng)
    if rng.random() < 0.2:  # truncated paste: keep at least three quarters
        text = text[: max(12, int(len(text) * rng.uniform(0.75, 0.95)))]
    before, after = rng.choice(SURROUNDINGS)
    return before + rng.choice(PREFIXES) + text + after


def noisy_variants(entries: Iterable[Entry], *, seed: int, per_message: int = 5) -> list[Labelled]:
    """Return reproducible noisy pastes of every canonical error message."""
    rng = random.Random(seed)
    return [
        Labelled(noisy(message, rng), entry.id)
        for entry in entries
        for message in entry.error_messages
        for _ in range(per_message)
    ]


def hand_written(path: Path = PASTES) -> tuple[list[Labelled], list[Labelled]]:
    """Return the hand-written variants and unknown messages."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    variants = [Labelled(v["text"], v["entry"]) for v in raw["variants"]]
    unknown = [Labelled(text, None) for text in raw["unknown"]]
    return variants, unknown


@dataclass(frozen=True)
class Report:
    """What the matcher did on a labelled set."""

    variants: int
    top1: float  # share of variants whose best candidate is the right entry
    recall: float  # share of variants answered confidently and rightly
    precision: float  # share of confident answers (variants and unknown) that are right
    unknown: int
    unknown_confident: float  # share of unknown messages answered confidently (wrongly)


def evaluate(matcher: Matcher, labelled: Sequence[Labelled]) -> Report:
    """Run the matcher on every labelled paste and count."""
    variants = [item for item in labelled if item.entry_id is not None]
    unknown = [item for item in labelled if item.entry_id is None]
    top1 = confident_right = confident = 0
    for item in variants:
        result = matcher.match(item.text)
        top1 += bool(result.candidates) and result.candidates[0].entry_id == item.entry_id
        confident += result.match is not None
        confident_right += result.match is not None and result.match.entry_id == item.entry_id
    wrong_unknown = sum(matcher.match(item.text).match is not None for item in unknown)
    confident += wrong_unknown
    return Report(
        variants=len(variants),
        top1=top1 / max(len(variants), 1),
        recall=confident_right / max(len(variants), 1),
        precision=confident_right / max(confident, 1),
        unknown=len(unknown),
        unknown_confident=wrong_unknown / max(len(unknown), 1),
    )


def calibration_set(entries: Sequence[Entry]) -> list[Labelled]:
    """Pastes used to choose the thresholds: generated (seed 1), even-numbered unknown messages."""
    _, unknown = hand_written()
    return noisy_variants(entries, seed=CALIBRATION_SEED) + unknown[0::2]


def evaluation_set(entries: Sequence[Entry]) -> list[Labelled]:
    """Pastes never used to choose the thresholds: generated (seed 2), hand-written variants,
    odd-numbered unknown messages."""
    variants, unknown = hand_written()
    return noisy_variants(entries, seed=EVALUATION_SEED) + variants + unknown[1::2]


def _line(name: str, report: Report) -> str:
    return (
        f"| {name} | {report.variants} | {report.top1:.1%} | {report.precision:.1%} | "
        f"{report.recall:.1%} | {report.unknown} | {report.unknown_confident:.1%} |"
    )


def main() -> None:
    """Print the evaluation table and a sweep of the confident threshold."""
    entries = load_entries()
    documents = documents_from_entries(entries)
    matcher = Matcher(documents)
    print("| set | variants | top-1 | precision | recall | unknown | unknown answered |")
    print("|---|---|---|---|---|---|---|")
    print(_line("calibration (generated, seed 1)", evaluate(matcher, calibration_set(entries))))
    print(
        _line(
            "evaluation (generated seed 2 + hand-written)",
            evaluate(matcher, evaluation_set(entries)),
        )
    )
    _, unknown = hand_written()
    print(_line("all 50 unknown messages", evaluate(matcher, unknown)))
    print("\nSweep of the confident threshold on the calibration split:")
    for confident in (80.0, 82.0, 84.0, 86.0, 88.0, 90.0, 92.0):
        swept = Matcher(documents, Thresholds(confident=confident))
        print(_line(f"confident >= {confident:g}", evaluate(swept, calibration_set(entries))))


if __name__ == "__main__":
    main()
