"""Normalise error messages before scoring: case, accents, punctuation, prefixes, variable parts,
Chorus abbreviations. Canonical texts and user pastes go through the same function."""

import re
import unicodedata

from knowledge_base.vocabulary import (
    CHORUS_ERROR_PREFIXES,
    PASTE_LABELS,
    PLACEHOLDER_PATTERN,
    WARNING_LABELS,
)

VAR = "#"  # stands for any variable part: document number, code, year, date, amount

# Placeholders of canonical texts ({piece}) and the X-runs of the seeds (XXXX-XXXX-XXXX).
_PLACEHOLDER = re.compile(PLACEHOLDER_PATTERN + r"|\b[xX]{2,}(?:[-/.][xX]+)*\b")
# Any run containing a digit, with its separators: 1508892764/00003, 0214-CDBU-C001, 12.03.2024,
# 1 234,56, BG00, 9G.
_VARIABLE = re.compile(r"[\w./-]*\d[\w./,-]*")
_NON_WORD = re.compile(r"[^a-z0-9#]+")
_REPEATED_VAR = re.compile(r"(?:# )+#")

# Chorus abbreviations, as single tokens after punctuation is removed.
ABBREVIATIONS: dict[str, str] = {
    "ctre": "centre",
    "ds": "dans",
    "perim": "perimetre",
    "autoris": "autorisation",
    "pr": "pour",
    "categ": "categorie",
    "budg": "budgetaire",
    "exerc": "exercice",
    "fin": "financier",
    "doc": "document",
    "cde": "commande",
    "imput": "imputation",
}
# "fin" is an abbreviation only in "perim fin" / "perimetre fin"; elsewhere it is the word "fin".
_CONTEXTUAL = {"fin": ("perim", "perimetre")}

# Longest first, so that "erreur dans le systeme de gestion" goes before "erreur".
PREFIXES: tuple[str, ...] = tuple(
    sorted((*CHORUS_ERROR_PREFIXES, *PASTE_LABELS, *WARNING_LABELS), key=len, reverse=True)
)


def strip_accents(text: str) -> str:
    """Return the text without diacritics (é -> e, œ -> oe)."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _expand(tokens: list[str]) -> list[str]:
    expanded: list[str] = []
    for token in tokens:
        full = ABBREVIATIONS.get(token)
        needs = _CONTEXTUAL.get(token)
        if full and (needs is None or (expanded and expanded[-1] in needs)):
            expanded.append(full)
        else:
            expanded.append(token)
    return expanded


def _strip_prefixes(text: str) -> str:
    changed = True
    while changed:
        changed = False
        for prefix in PREFIXES:
            if text.startswith(prefix + " ") and len(text) > len(prefix) + 8:
                text = text[len(prefix) + 1 :]
                changed = True
    return text


def normalize(text: str) -> str:
    """Return the comparable form of an error message."""
    text = _PLACEHOLDER.sub(f" {VAR} ", text)
    text = _VARIABLE.sub(f" {VAR} ", text)
    text = strip_accents(text).lower()
    tokens = _NON_WORD.sub(" ", text).split()
    text = " ".join(_expand(tokens))
    text = _REPEATED_VAR.sub(VAR, text)
    return _strip_prefixes(text)
