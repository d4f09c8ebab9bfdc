"""The held-out NLU set (tests/nlu/heldout.yml) and the domain each intent is about.

Shared by the held-out test (tests/bot/test_nlu_heldout.py) and the pipeline comparison
(bot/compare_pipelines.py); training never reads this file.
"""

from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from knowledge_base.vocabulary import INTENT_DOMAINS

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
DOMAIN_IDS = [
    d["id"]
    for d in yaml.safe_load((ROOT / "knowledge_base" / "domains.yml").read_text())["domains"]
]
# Intents that are about a domain without being the domain's own intent.
INTENT_DOMAIN: Dict[str, str] = {**{d: d for d in DOMAIN_IDS}, **INTENT_DOMAINS}


def heldout() -> List[Tuple[str, str]]:
    """Return (text, intent) pairs of the held-out file."""
    pairs = []
    for item in yaml.safe_load(HELDOUT.read_text())["nlu"]:
        for line in item["examples"].splitlines():
            if line.strip().startswith("- "):
                pairs.append((line.strip()[2:], item["intent"]))
    return pairs


def domain_of(intent: str) -> Optional[str]:
    """Return the domain an intent is about, if any."""
    return INTENT_DOMAIN.get(intent)


def is_correct(expected: str, predicted: str) -> bool:
    """A domain question is right when it reaches its domain; any other intent must match."""
    domain = domain_of(expected)
    return domain_of(predicted) == domain if domain else predicted == expected
