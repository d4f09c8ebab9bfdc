"""Match a pasted error message to knowledge entries.

The index is built once from the entries' error messages and reformulations. Small bases are scored
in full; large ones first pick candidates with an inverted index of character trigrams (IDF
weighted, vectorised with numpy), then score only those, so the cost grows sub-linearly.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from knowledge_base.normalize import VAR, normalize
from knowledge_base.schema import Entry

MAX_QUERY_CHARS = 2000  # bounded work per request, whatever the paste's length
FULL_SCAN_UP_TO = 200  # documents; beyond, trigram blocking picks the candidates
BLOCK_CANDIDATES = 64
COMMON_TRIGRAM_SHARE = 0.05  # trigrams in more documents than this carry little information
MIN_WORDS = 2


@dataclass(frozen=True)
class Document:
    """One text that identifies an entry: a canonical error message or a reformulation."""

    entry_id: str
    text: str
    is_error_message: bool = True


@dataclass(frozen=True)
class Thresholds:
    """Scores are 0-100 (`combined_scores` of normalised texts)."""

    confident: float = 84.0  # the bot answers without asking (chosen on the calibration split)
    candidate: float = 72.0  # the bot lists it among the choices
    margin: float = 4.0  # over the best other entry, to answer without asking
    coverage: float = 0.7  # the paste must cover this share of the message to answer directly


@dataclass(frozen=True)
class Scored:
    """An entry's best-scoring document for a query."""

    entry_id: str
    text: str
    score: float


@dataclass(frozen=True)
class MatchResult:
    """A confident match (the bot answers), ranked candidates (the bot asks), or neither."""

    match: Scored | None
    candidates: tuple[Scored, ...] = field(default_factory=tuple)


def documents_from_entries(entries: Iterable[Entry]) -> list[Document]:
    """Return the documents of the entries: their error messages (questions and their
    reformulations are the retrieval's, knowledge_base/retrieval.py)."""
    return [Document(entry.id, text) for entry in entries for text in entry.error_messages]


def combined_scores(query: str, documents: Sequence[str]) -> np.ndarray:
    """Score the query against each document (0-100), vectorised.

    The best of: the plain similarity (typos, lost accents), the similarity of the sorted words
    (reordered text), and, when one text is much longer than the other, the best partial alignment
    scaled down (a paste with surrounding text, or a truncated one).
    """
    ratio = process.cdist([query], documents, scorer=fuzz.ratio, dtype=np.float32)[0]
    sorted_words = process.cdist([query], documents, scorer=fuzz.token_sort_ratio, dtype=np.float32)
    partial = process.cdist([query], documents, scorer=fuzz.partial_ratio, dtype=np.float32)[0]
    lengths = np.fromiter((len(d) for d in documents), dtype=np.float32, count=len(documents))
    longer = np.maximum(lengths, len(query))
    shorter = np.maximum(np.minimum(lengths, len(query)), 1)
    partial_weight = np.where(longer / shorter >= 1.5, 0.9, 0.0)
    best: np.ndarray = np.maximum(
        np.maximum(ratio, sorted_words[0] * 0.95), partial * partial_weight
    )
    return best


def _trigrams(normalized: str) -> set[str]:
    grams: set[str] = set()
    for token in normalized.split():
        if token == VAR:
            continue
        padded = f" {token} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


class Matcher:
    """An index of documents and the scoring of queries against it."""

    def __init__(self, documents: Sequence[Document], thresholds: Thresholds | None = None) -> None:
        self.thresholds = thresholds or Thresholds()
        self.documents = list(documents)
        self.normalized = [normalize(d.text) for d in self.documents]
        self._postings: dict[str, np.ndarray] = {}
        self._idf: dict[str, float] = {}
        if len(self.documents) > FULL_SCAN_UP_TO:
            self._build_trigram_index()

    def __len__(self) -> int:
        return len(self.documents)

    def _build_trigram_index(self) -> None:
        lists: dict[str, list[int]] = {}
        for index, text in enumerate(self.normalized):
            for gram in _trigrams(text):
                lists.setdefault(gram, []).append(index)
        total = len(self.normalized)
        self._postings = {g: np.asarray(ids, dtype=np.int32) for g, ids in lists.items()}
        self._idf = {g: math.log(total / len(ids)) for g, ids in lists.items()}

    def _candidate_indices(self, query: str) -> list[int] | None:
        """Return the documents worth scoring, or None to score them all."""
        if not self._postings:
            return None
        known = sorted(
            (g for g in _trigrams(query) if g in self._postings), key=self._idf.__getitem__
        )
        if not known:
            return []
        common = COMMON_TRIGRAM_SHARE * len(self.normalized)
        grams = [g for g in known if len(self._postings[g]) <= common] or known[-8:]
        ids = np.concatenate([self._postings[g] for g in grams])
        weights = np.concatenate(
            [np.full(len(self._postings[g]), self._idf[g], dtype=np.float32) for g in grams]
        )
        totals = np.bincount(ids, weights=weights, minlength=len(self.normalized))
        keep = min(BLOCK_CANDIDATES, int(np.count_nonzero(totals)))
        if keep == 0:
            return []
        best = np.argpartition(-totals, keep - 1)[:keep]
        return [int(i) for i in best]

    def score(self, text: str) -> list[Scored]:
        """Return each entry's best document for the text, best first, above the candidate bar."""
        query = normalize(text[:MAX_QUERY_CHARS])
        if len([t for t in query.split() if t != VAR]) < MIN_WORDS:
            return []
        indices = self._candidate_indices(query)
        if indices is None:
            indices = list(range(len(self.normalized)))
        if not indices:
            return []
        scores = combined_scores(query, [self.normalized[i] for i in indices])
        best: dict[str, Scored] = {}
        for position in np.flatnonzero(scores >= self.thresholds.candidate):
            index = indices[int(position)]
            document = self.documents[index]
            score = self._with_coverage(query, self.normalized[index], float(scores[position]))
            current = best.get(document.entry_id)
            if current is None or score > current.score:
                best[document.entry_id] = Scored(document.entry_id, document.text, round(score, 1))
        return sorted(best.values(), key=lambda s: (-s.score, s.entry_id))

    def _with_coverage(self, query: str, document: str, score: float) -> float:
        """Keep a short fragment of a long message below the confident bar."""
        if len(query) >= self.thresholds.coverage * len(document):
            return score
        return min(score, self.thresholds.confident - 0.1)

    def match(self, text: str, *, limit: int = 5) -> MatchResult:
        """Return the confident match if there is one, and the ranked candidates."""
        ranked = self.score(text)[:limit]
        if not ranked:
            return MatchResult(match=None, candidates=())
        top = ranked[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        confident = (
            top.score >= self.thresholds.confident
            and top.score - runner_up >= self.thresholds.margin
        )
        return MatchResult(match=top if confident else None, candidates=tuple(ranked))
