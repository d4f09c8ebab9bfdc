"""What retrieval adds to a message: latency of one search at today's entries and at 10,000.

The questions are the dev set's (each made unique so that no cache helps); the 10,000-entry base
adds synthetic entries made of the real ones' words. Prints a markdown table for the README.
"""

import random
import statistics
import time

from knowledge_base.loader import load_entries
from knowledge_base.retrieval import Retriever, document_of
from knowledge_base.retrieval_evaluation import load_questions, synthetic_documents

TARGETS_MS = {"today": 3.0, "10,000": 10.0}  # p99 (issue: answers, not menus)


def timings_ms(retriever: Retriever, questions: list[str]) -> list[float]:
    """One search per question, in milliseconds, sorted."""
    found = []
    for question in questions:
        started = time.perf_counter()
        retriever.search(question)
        found.append((time.perf_counter() - started) * 1000)
    return sorted(found)


def main() -> int:
    """Print p50 / p99 / max at both sizes; exit 1 if a p99 target is missed."""
    documents = [document_of(e) for e in load_entries()]
    rng = random.Random(3)
    base = [q.text for q in load_questions()]
    questions = [
        f"{q} {rng.choice(('svp', 'merci', 'urgent', 'bonjour'))} {i}"
        for i, q in enumerate(base * 3)
    ]
    print("| entries | index build | p50 | p99 | max | p99 target |")
    print("|---|---|---|---|---|---|")
    missed = False
    for label, extra in (("today", 0), ("10,000", 10_000 - len(documents))):
        docs = [*documents, *synthetic_documents(documents, extra)] if extra else documents
        started = time.perf_counter()
        retriever = Retriever(docs)
        build = time.perf_counter() - started
        timings_ms(retriever, questions[:50])  # warm up
        measured = timings_ms(retriever, questions)
        p50, p99 = statistics.median(measured), measured[int(0.99 * (len(measured) - 1))]
        target = TARGETS_MS[label]
        missed |= p99 > target
        print(
            f"| {len(docs):,} ({label}) | {build:.1f} s | {p50:.2f} ms | {p99:.2f} ms "
            f"| {measured[-1]:.2f} ms | ≤ {target:g} ms {'met' if p99 <= target else 'MISSED'} |"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
