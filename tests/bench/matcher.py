"""Matcher latency and memory on synthetic knowledge bases of 1k, 10k and 100k error messages.

Messages are built from Chorus-like subjects, predicates and pseudo-words; queries are noisy
pastes of random messages (as users send them) and unknown messages, mixed.
"""

import argparse
import random
import statistics
import time
import tracemalloc

from knowledge_base.evaluation import noisy
from knowledge_base.matcher import Document, Matcher

SUBJECTS = (
    "Centre financier {cf}",
    "Poste de commande {poste}",
    "Pièce {piece}",
    "Le domaine fonctionnel {code}",
    "Fournisseur {piece}",
    "Compte général {piece}",
    "Le tiers {piece}",
    "Document {piece}",
    "Le formulaire {code}",
    "Engagement {piece}",
    "Centre de coûts {cf}",
    "Élément d'imputation {code}",
)
PREDICATES = (
    "n'existe pas dans",
    "est bloqué pour",
    "n'est pas valable pour",
    "comprend encore des",
    "ne peut être reporté dans",
    "est verrouillé par",
    "n'a pas encore été reporté dans",
    "est incompatible avec",
    "doit être renseigné pour",
    "a été refusé par",
)
SYLLABLES = (
    "ba",
    "ce",
    "di",
    "fo",
    "gu",
    "la",
    "me",
    "ni",
    "po",
    "ru",
    "sa",
    "te",
    "vi",
    "zo",
    "tion",
    "ment",
    "eur",
    "ique",
)


def pseudo_words(count: int, rng: random.Random) -> list[str]:
    """Return distinct French-looking words."""
    words: set[str] = set()
    while len(words) < count:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def synthetic_documents(size: int, seed: int = 7) -> list[Document]:
    """Return `size` distinct synthetic error messages, one entry each."""
    rng = random.Random(seed)
    vocabulary = pseudo_words(4000, rng)
    texts: set[str] = set()
    while len(texts) < size:
        words = " ".join(rng.sample(vocabulary, rng.randint(3, 6)))
        texts.add(f"{rng.choice(SUBJECTS)} {rng.choice(PREDICATES)} {words}")
    return [Document(f"entry-{i}", text) for i, text in enumerate(sorted(texts))]


def measure(size: int, queries: int) -> dict[str, float]:
    """Build an index of `size` messages and time `queries` matches."""
    documents = synthetic_documents(size)
    tracemalloc.start()
    started = time.perf_counter()
    matcher = Matcher(documents)
    build = time.perf_counter() - started
    memory = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rng = random.Random(size)
    picked = [rng.choice(documents) for _ in range(queries)]
    samples = [(noisy(d.text, rng), d.entry_id) for d in picked]
    samples += [
        (f"Message inconnu {i} sans rapport avec la base", None) for i in range(queries // 10)
    ]
    latencies = []
    right = 0
    for text, expected in samples:
        started = time.perf_counter()
        result = matcher.match(text)
        latencies.append(time.perf_counter() - started)
        right += (
            expected is not None
            and bool(result.candidates)
            and result.candidates[0].entry_id == expected
        )
    latencies.sort()
    return {
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(0.99 * (len(latencies) - 1))] * 1000,
        "build": build,
        "memory": memory / 2**20,
        "top1": right / queries,
    }


def main() -> None:
    """Print the latency and memory table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    args = parser.parse_args()
    print("| error messages | p50 per match | p99 per match | top-1 | index build | index memory |")
    print("|---|---|---|---|---|---|")
    for size in args.sizes:
        row = measure(size, args.queries)
        print(
            f"| {size:,} | {row['p50']:.2f} ms | {row['p99']:.2f} ms | {row['top1']:.1%} | "
            f"{row['build']:.1f} s | {row['memory']:.0f} MiB |",
            flush=True,
        )


if __name__ == "__main__":
    main()
