"""Find the knowledge entries that answer a typed question.

Each active entry is indexed by its fields: title, reformulations, error messages, keywords and
answer, all through the same French processing (knowledge_base/french.py). Three scorers read
the index, each giving every entry a score from 0 to 100:

- `Bm25Scorer`: BM25 (bm25s) over the entry's French terms, fields weighted by repetition;
  normalised by what the question's terms could score at best, unknown terms included, so that a
  question made mostly of words the knowledge base never uses scores low;
- `TfidfScorer`: character n-gram TF-IDF (scikit-learn) between the question and the entry's
  closest short text (title, reformulation, error message, keywords): robust to typos;
- `FuzzyScorer`: rapidfuzz's token-set ratio between the question's terms and each short text.

The assistant fuses BM25 and TF-IDF (docs/retrieval.md compares them all on held-out questions).
The outcome is an answer (confident), suggestions (unsure), or nothing; the thresholds are chosen
on a calibration set that is never used to test (knowledge_base/retrieval_evaluation.py).
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import bm25s
import numpy as np
import yaml
from rapidfuzz import fuzz, process
from sklearn.feature_extraction.text import TfidfVectorizer

from knowledge_base.french import admits_gap, asks_detail, canonical, terms
from knowledge_base.schema import Entry
from knowledge_base.vocabulary import OFF_TOPIC_INTENTS

MAX_QUESTION_CHARS = 1000  # bounded work per question, whatever its length


@dataclass(frozen=True)
class Document:
    """What identifies one entry for retrieval."""

    entry_id: str
    domain: str
    title: str
    reformulations: tuple[str, ...] = ()
    error_messages: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    answer: str = ""
    overview: bool = False  # a whole topic without its procedures (see schema.Entry)

    @property
    def short_texts(self) -> tuple[str, ...]:
        """The texts a question may resemble as a whole."""
        texts = (self.title, *self.reformulations, *self.error_messages)
        return (*texts, " ".join(self.keywords)) if self.keywords else texts


def document_of(entry: Entry) -> Document:
    """The retrieval view of a knowledge entry."""
    return Document(
        entry_id=entry.id,
        domain=entry.domain,
        title=entry.title,
        reformulations=tuple(entry.reformulations),
        error_messages=tuple(entry.error_messages),
        keywords=tuple(entry.keywords),
        answer=entry.answer,
        overview=entry.overview,
    )


class Scorer(Protocol):
    """Scores the documents (0-100) for a question."""

    def scores(self, question: str, candidates: np.ndarray | None = None) -> np.ndarray:
        """One score per document, in the index's order (0 outside `candidates` if given)."""
        ...


# How many times a field's terms count in the BM25 document.
FIELD_WEIGHTS = {"title": 3, "reformulations": 2, "keywords": 2, "error_messages": 1, "answer": 1}
K1 = 1.2
B = 0.75


def _weighted_terms(document: Document) -> list[str]:
    fields = {
        "title": (document.title,),
        "reformulations": document.reformulations,
        "keywords": document.keywords,
        "error_messages": document.error_messages,
        "answer": (document.answer,),
    }
    found: list[str] = []
    for name, texts in fields.items():
        for text in texts:
            found += terms(text) * FIELD_WEIGHTS[name]
    return found


class Bm25Scorer:
    """BM25 over the documents' weighted French terms, normalised to 0-100."""

    # A question term scores at most idf * (K1 + 1); a good match reaches about this share of it.
    REACH = 0.55

    def __init__(self, documents: Sequence[Document]) -> None:
        corpus = [_weighted_terms(d) or ["_"] for d in documents]
        self.count = len(corpus)
        self.bm25 = bm25s.BM25(k1=K1, b=B, method="lucene")
        if corpus:
            self.bm25.index(corpus, show_progress=False)
        frequencies = Counter(t for row in corpus for t in set(row))
        n = max(self.count, 1)
        self.idf = {t: float(np.log1p((n - f + 0.5) / (f + 0.5))) for t, f in frequencies.items()}
        self.unknown_idf = float(np.log1p((n + 0.5) / 0.5))  # a term no document has

    def scores(self, question: str, candidates: np.ndarray | None = None) -> np.ndarray:
        """Each document's BM25 score over the best a document could reach, in 0-100."""
        question_terms = list(dict.fromkeys(terms(question)))
        if not question_terms or not self.count:
            return np.zeros(self.count)
        raw = self.bm25.get_scores(question_terms)
        best = sum(self.idf.get(t, self.unknown_idf) for t in question_terms) * (K1 + 1)
        return np.asarray(np.minimum(100.0 * raw / (best * self.REACH), 100.0))


NGRAMS = (3, 5)


def char_ngrams(text: str) -> list[str]:
    """The character n-grams of each word, padded with spaces (scikit-learn's "char_wb")."""
    found: list[str] = []
    low, high = NGRAMS
    for word in text.split():
        padded = f" {word} "
        for n in range(low, high + 1):
            found += [padded[i : i + n] for i in range(max(len(padded) - n + 1, 1))]
            if len(padded) <= n:  # a short word counts once
                break
    return found


class TfidfScorer:
    """Character n-gram TF-IDF between the question and each document's closest short text."""

    def __init__(self, documents: Sequence[Document]) -> None:
        texts: list[str] = []
        owners: list[int] = []
        for index, document in enumerate(documents):
            for text in document.short_texts:
                if text.strip():
                    texts.append(canonical(text))
                    owners.append(index)
        self.owners = np.asarray(owners, dtype=np.int64)
        self.count = len(documents)
        vectorizer = TfidfVectorizer(analyzer=char_ngrams, sublinear_tf=True)
        # Columns are read one n-gram at a time (an inverted index): compressed by column.
        self.matrix = vectorizer.fit_transform(texts or ["_"]).tocsc()
        self.columns: dict[str, int] = vectorizer.vocabulary_
        self.idf = vectorizer.idf_

    def _question_vector(self, question: str) -> tuple[np.ndarray, np.ndarray]:
        """The question's known n-grams (columns) and their TF-IDF weights, L2-normalised."""
        counts = Counter(g for g in char_ngrams(canonical(question)) if g in self.columns)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        columns = np.fromiter((self.columns[g] for g in counts), dtype=np.int64)
        weights = (1 + np.log(np.fromiter(counts.values(), dtype=float))) * self.idf[columns]
        return columns, weights / np.linalg.norm(weights)

    def scores(self, question: str, candidates: np.ndarray | None = None) -> np.ndarray:
        """Each document's best cosine similarity, in 0-100."""
        best = np.zeros(self.count)
        columns, weights = self._question_vector(question)
        if not self.owners.size or not columns.size:
            return best
        similarities = np.asarray(self.matrix[:, columns] @ weights).ravel()
        np.maximum.at(best, self.owners, similarities)
        return 100.0 * best


class FuzzyScorer:
    """rapidfuzz token-set ratio between the question's terms and each short text's terms.

    It compares texts one by one, so the retriever runs it on the other scorers' best
    candidates only.
    """

    def __init__(self, documents: Sequence[Document]) -> None:
        self.texts: list[str] = []
        self.spans: list[tuple[int, int]] = []  # each document's texts: [start, end)
        for document in documents:
            start = len(self.texts)
            self.texts += [" ".join(terms(text)) for text in document.short_texts]
            self.spans.append((start, len(self.texts)))
        self.count = len(documents)

    def scores(self, question: str, candidates: np.ndarray | None = None) -> np.ndarray:
        """Each (candidate) document's best token-set ratio, in 0-100."""
        best = np.zeros(self.count)
        query = " ".join(terms(question))
        chosen = range(self.count) if candidates is None else [int(c) for c in candidates]
        owners = [d for d in chosen for _ in range(*self.spans[d])]
        if not query or not owners:
            return best
        texts = [self.texts[i] for d in chosen for i in range(*self.spans[d])]
        ratios = process.cdist([query], texts, scorer=fuzz.token_set_ratio, workers=1)[0]
        np.maximum.at(best, np.asarray(owners, dtype=np.int64), ratios)
        return best


@dataclass(frozen=True)
class Thresholds:
    """When the assistant answers, suggests, or says it did not understand."""

    answer: float = 0.5  # the confidence (0-1) that the best entry is right, to answer directly
    suggest: float = 30.0  # an entry's score (0-100) to be suggested ...
    suggest_confidence: float = 0.2  # ... when the best entry's confidence is at least this
    max_suggestions: int = 3
    domain_boost: float = 1.1  # scores of the domain the NLU named are multiplied by this


@dataclass(frozen=True)
class Confidence:
    """A logistic model of "the best entry answers the question", fitted on the dev set
    (knowledge_base/retrieval_evaluation.py --calibrate)."""

    weights: tuple[float, ...]
    intercept: float

    def probability(self, features: Sequence[float]) -> float:
        """The probability that the best entry is right."""
        z = self.intercept + sum(w * f for w, f in zip(self.weights, features, strict=True))
        return float(1 / (1 + np.exp(-z)))


# The NLU's domain orders the entries only when the NLU is at least this sure.
PRIOR_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Nlu:
    """What the NLU said of the message: its intent, confidence, and the domain it is about."""

    intent: str | None = None
    confidence: float = 0.0
    domain: str | None = None

    def features(self, top_domain: str) -> tuple[float, float]:
        """How sure it is the message is off-topic; whether its domain is the best entry's."""
        off_topic = self.confidence if self.intent in OFF_TOPIC_INTENTS else 0.0
        if self.domain is None:
            return off_topic, 0.0
        return off_topic, self.confidence if self.domain == top_domain else -self.confidence


@dataclass(frozen=True)
class Hit:
    """An entry and its score (0-100) for a question."""

    entry_id: str
    domain: str
    title: str
    score: float


@dataclass(frozen=True)
class Ranking:
    """The entries ranked for a question, with what the confidence model reads."""

    hits: tuple[Hit, ...]
    features: tuple[float, ...]


@dataclass(frozen=True)
class SearchResult:
    """A confident answer, suggestions, or neither; `confidence` is the best entry's.

    `lacks_detail`: the question asks a precise detail that the best entry says the knowledge
    base does not have; it is suggested rather than given as the answer.
    """

    answer: Hit | None
    suggestions: tuple[Hit, ...] = field(default_factory=tuple)
    confidence: float = 0.0
    lacks_detail: bool = False


def decide(ranking: Ranking, thresholds: Thresholds, confidence: Confidence) -> SearchResult:
    """Answer, suggest or abstain."""
    if not ranking.hits:
        return SearchResult(answer=None)
    probability = confidence.probability(ranking.features)
    if probability >= thresholds.answer:
        return SearchResult(answer=ranking.hits[0], confidence=probability)
    if probability < thresholds.suggest_confidence:
        return SearchResult(answer=None, confidence=probability)
    suggestions = tuple(
        h for h in ranking.hits[: thresholds.max_suggestions] if h.score >= thresholds.suggest
    )
    return SearchResult(answer=None, suggestions=suggestions, confidence=probability)


# What the confidence reads of a ranking, in this order: the best fused score and its lead
# over the next entry; each scorer's score of the best entry; how many scorers rank it first; the
# share of the question's terms the knowledge base uses; how many terms the question has; the
# share of the question's information (idf) the best entry covers; the share of its known terms
# the best entry lacks; how sure the NLU is that the message is off-topic, a complaint or not
# understood; whether the NLU's domain is the best entry's (+ its confidence) or another (-);
# whether the best entry is an overview of a topic (it needs more evidence to answer directly);
# whether the question asks a precise detail (an amount, a date, a name, the exact steps).
FEATURES = (
    "top",
    "margin",
    "bm25",
    "tfidf",
    "fuzzy",
    "agree",
    "known_terms",
    "terms",
    "coverage",
    "missing_known",
    "nlu_off_topic",
    "nlu_domain",
    "overview",
    "detail",
)
SCORERS: dict[str, type[Bm25Scorer] | type[TfidfScorer] | type[FuzzyScorer]] = {
    "bm25": Bm25Scorer,
    "tfidf": TfidfScorer,
    "fuzzy": FuzzyScorer,
}
# Scorers run on the others' best candidates only (when there are others).
RERANKERS = frozenset({"fuzzy"})
RERANK_CANDIDATES = 15
# The assistant's fusion: BM25 for the vocabulary, character TF-IDF for the spelling, rapidfuzz
# on the best candidates for word order and partial overlap (docs/retrieval.md).
COMPONENTS: tuple[tuple[str, float], ...] = (("bm25", 0.45), ("tfidf", 0.35), ("fuzzy", 0.2))
CALIBRATION = Path(__file__).resolve().parent / "retrieval.yml"


@lru_cache(maxsize=1)
def load_calibration(path: Path = CALIBRATION) -> tuple[Thresholds, Confidence]:
    """The thresholds and the confidence model calibrated on the dev set."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if list(data["features"]) != list(FEATURES):
        raise ValueError(f"{path} was calibrated for other features: run --calibrate again")
    thresholds = Thresholds(
        answer=float(data["answer"]),
        suggest=float(data["suggest"]),
        suggest_confidence=float(data["suggest_confidence"]),
    )
    weights = tuple(float(w) for w in data["weights"])
    return thresholds, Confidence(weights=weights, intercept=float(data["intercept"]))


class Retriever:
    """The index of the active entries and the search the assistant uses."""

    def __init__(
        self,
        documents: Sequence[Document],
        *,
        components: Sequence[tuple[str, float]] = COMPONENTS,
        thresholds: Thresholds | None = None,
        confidence: Confidence | None = None,
    ) -> None:
        self.documents = list(documents)
        if thresholds is None or confidence is None:
            calibrated = load_calibration()
            thresholds, confidence = thresholds or calibrated[0], confidence or calibrated[1]
        self.thresholds = thresholds
        self.confidence = confidence
        self.components = [(name, SCORERS[name](self.documents), w) for name, w in components]
        self._terms = [frozenset(_weighted_terms(d)) for d in self.documents]
        self.vocabulary = frozenset().union(*self._terms)
        frequencies = Counter(t for terms_ in self._terms for t in terms_)
        n = max(len(self.documents), 1)
        self._idf = {t: float(np.log1p((n - f + 0.5) / (f + 0.5))) for t, f in frequencies.items()}
        self._unknown_idf = float(np.log1p((n + 0.5) / 0.5))
        self._domains = np.asarray([d.domain for d in self.documents])
        self._gaps = {d.entry_id for d in self.documents if admits_gap(d.answer)}

    def __len__(self) -> int:
        return len(self.documents)

    def _scores(self, question: str) -> dict[str, np.ndarray]:
        """Each component's scores: first-stage scorers on all entries, rerankers on the best."""
        first = [c for c in self.components if c[0] not in RERANKERS] or self.components
        parts = {name: scorer.scores(question) for name, scorer, _ in first}
        if len(first) < len(self.components):
            stage = sum(w * parts[name] for name, _, w in first)
            candidates = np.argsort(-np.asarray(stage), kind="stable")[:RERANK_CANDIDATES]
            for name, scorer, _ in self.components:
                if name not in parts:
                    parts[name] = scorer.scores(question, candidates)
        return parts

    def rank(
        self, question: str, *, domain: str | None = None, nlu: Nlu | None = None, limit: int = 10
    ) -> Ranking:
        """The best entries for the question, best first, and the confidence's features.

        `domain`, or the NLU's domain when it is sure, favours that domain's entries in the
        order; `nlu` (intent, confidence, domain) is evidence for the confidence.
        """
        if not self.documents:
            return Ranking(hits=(), features=())
        question = question[:MAX_QUESTION_CHARS]
        parts = self._scores(question)
        fused = np.asarray(sum(w * parts[name] for name, _, w in self.components))
        ranked = fused
        if domain is None and nlu is not None and nlu.confidence >= PRIOR_CONFIDENCE:
            domain = nlu.domain
        if domain is not None:  # a prior on the order only: the confidence reads the scores
            ranked = np.where(self._domains == domain, fused * self.thresholds.domain_boost, fused)
        order = np.argsort(-ranked, kind="stable")[: max(limit, 2)]
        top = int(order[0])
        others = np.delete(fused, top)
        second = float(others.max()) if others.size else 0.0
        # A scorer agrees when it gives the best entry its highest score (ties included).
        agree = sum(1 for part in parts.values() if part[top] >= part.max() - 1e-9)
        features = (
            fused[top] / 100,
            (fused[top] - second) / 100,
            *(parts[name][top] / 100 if name in parts else 0.0 for name in SCORERS),
            agree / len(parts),
            *self._term_features(terms(question), top),
            *(nlu or Nlu()).features(str(self._domains[top])),
            float(self.documents[top].overview),
            float(asks_detail(question)),
        )
        hits = tuple(self._hit(int(i), float(fused[i])) for i in order[:limit])
        return Ranking(hits=hits, features=tuple(float(f) for f in features))

    def _term_features(self, question_terms: list[str], top: int) -> tuple[float, ...]:
        """Known share, length, and how much of the question the best entry covers."""
        unique = list(dict.fromkeys(question_terms))
        if not unique:
            return (0.0, 0.0, 0.0, 0.0)
        idf = [self._idf.get(t, self._unknown_idf) for t in unique]
        covered = sum(i for t, i in zip(unique, idf, strict=True) if t in self._terms[top])
        known = [t for t in unique if t in self.vocabulary]
        lacking = sum(1 for t in known if t not in self._terms[top])
        return (
            len(known) / len(unique),
            min(len(question_terms), 20) / 20,
            covered / sum(idf),
            lacking / len(unique),
        )

    def search(
        self, question: str, *, domain: str | None = None, nlu: Nlu | None = None
    ) -> SearchResult:
        """The entry to answer with, or up to three suggestions, or nothing."""
        ranking = self.rank(question, domain=domain, nlu=nlu, limit=self.thresholds.max_suggestions)
        result = decide(ranking, self.thresholds, self.confidence)
        answer = result.answer
        if answer is not None and answer.entry_id in self._gaps and asks_detail(question):
            # Do not present as the answer an entry that says it lacks what was asked.
            others = [h for h in ranking.hits[1:] if h.score >= self.thresholds.suggest]
            return SearchResult(
                answer=None,
                suggestions=(answer, *others),
                confidence=result.confidence,
                lacks_detail=True,
            )
        return result

    def _hit(self, index: int, score: float) -> Hit:
        document = self.documents[index]
        return Hit(document.entry_id, document.domain, document.title, round(score, 1))
