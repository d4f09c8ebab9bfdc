"""Normalisation lines up what users paste with the canonical messages."""

import pytest

from knowledge_base.normalize import normalize


@pytest.mark.parametrize(
    ("pasted", "canonical"),
    [
        (
            "erreur dans le système de gestion : Poste de pièce 1508892764/00003 n'a pas encore été reporté dans exercice en cours",
            "Poste de pièce {piece} n'a pas encore été reporté dans exercice en cours",
        ),
        (
            "Centre financier 0214-CDBU-C001 n'existe pas dans périmètre financier BG00 et exercice 2024",
            "Ctre financier {cf} n'existe pas ds périm. Fin {perimetre} et exercice {exercice}",
        ),
        (
            "Aucune autorisation pour périmètre financier BG00 version 0 catégorie budgétaire 9G",
            "Aucune autoris. pr périm. fin. {perimetre} version {version} catég. budg. {categorie}",
        ),
        (
            "Message : aucune autorisation pour le centre financier: XXXX-XXXX-XXXX",
            "Aucune autorisation pour le centre financier : {cf}",
        ),
        (
            "LA VALEUR BLANC/ESPACE\nEST NON VALIDE   pour l'élément d'imputation Prog CB",
            "La valeur Blanc/Espace est non valide pour l'élément d'imputation Prog CB",
        ),
    ],
)
def test_pasted_and_canonical_forms_normalise_alike(pasted: str, canonical: str) -> None:
    assert normalize(pasted) == normalize(canonical)


@pytest.mark.parametrize(
    "variable",
    ["1508892764/00003", "0214-CDBU-C001", "31.12.2024", "12/03/2024", "1 234,56", "2024", "BG00"],
)
def test_variable_parts_become_one_placeholder(variable: str) -> None:
    assert normalize(f"valeur {variable} refusée") == "valeur # refusee"


def test_fin_is_an_abbreviation_only_after_perimetre() -> None:
    assert normalize("travaux de fin de gestion") == "travaux de fin de gestion"
    assert normalize("périm. fin. BG00") == "perimetre financier #"
