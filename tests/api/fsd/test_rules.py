"""The seeds' FSD rules as pure functions."""

import pytest

from api.auth.models import Role
from api.fsd import rules
from api.fsd.models import FsdStatus as S
from api.fsd.models import Intervention


@pytest.mark.parametrize(
    ("severity", "impact", "users", "expected"),
    [
        (1, 1, 1, "basse"),
        (2, 1, 1, "basse"),
        (2, 2, 1, "normale"),
        (1, 3, 5, "normale"),
        (3, 3, 1, "haute"),
        (2, 3, 50, "haute"),
        (3, 3, 11, "critique"),
    ],
)
def test_priority_grows_with_severity_impact_and_users_blocked(
    severity: int, impact: int, users: int, expected: str
) -> None:
    assert rules.priority(severity=severity, impact=impact, users_blocked=users) == expected


def test_business_subcategories_go_to_the_business_service_and_need_the_object() -> None:
    assert rules.routed_to("M01 - Facture rejetée") == "service_metier"
    assert rules.routed_to("m02 mémoire") == "service_metier"
    assert rules.needs_object_number("M03")
    assert rules.routed_to("Outil - Connexion") == "support_outil"
    assert not rules.needs_object_number("Outil - Connexion")


ALLOWED = [(t.source, t.target, role) for t in rules.TRANSITIONS for role in t.roles]


@pytest.mark.parametrize(("source", "target", "role"), ALLOWED)
def test_each_allowed_transition_is_allowed_to_its_roles(source: S, target: S, role: Role) -> None:
    assert rules.refusal(source=source, target=target, role=role) is None


@pytest.mark.parametrize(
    ("source", "target", "role"),
    [
        (source, target, role)
        for source in S
        for target in S
        for role in (Role.CCA, Role.SN1, Role.SN2)
        if (source, target, role) not in ALLOWED
    ],
)
def test_every_other_transition_is_refused_with_a_reason(source: S, target: S, role: Role) -> None:
    reason = rules.refusal(source=source, target=target, role=role)
    assert reason is not None and reason.endswith(".")


def test_a_cca_never_sends_an_fsd_to_sn2_itself() -> None:
    for source in (S.EN_COURS, S.ACTION_CORRESPONDANT, S.PROPOSITION_SOLUTION):
        reason = rules.refusal(source=source, target=S.ENVOYE_SUPPORT, role=Role.CCA)
        assert reason is not None and "Seul le support ministériel (SN1)" in reason
    assert rules.refusal(source=S.EN_COURS, target=S.ENVOYE_SUPPORT, role=Role.SN1) is None


def test_a_closed_fsd_stays_closed() -> None:
    assert rules.refusal(source=S.CLOS, target=S.EN_COURS, role=Role.SN1) == (
        "Cette fiche est close : son statut ne peut plus changer."
    )


def test_pieces_and_certificate_rules() -> None:
    assert (
        rules.piece_errors(intervention=None, pieces_count=5, has_list=False, has_certificate=False)
        == []
    )
    [beyond_five] = rules.piece_errors(
        intervention=None, pieces_count=6, has_list=False, has_certificate=False
    )
    assert "numéro de la pièce, société, exercice" in beyond_five
    assert (
        rules.piece_errors(intervention=None, pieces_count=20, has_list=True, has_certificate=False)
        == []
    )
    [too_many] = rules.piece_errors(
        intervention=None, pieces_count=21, has_list=True, has_certificate=False
    )
    assert "Pas plus de 20 pièces" in too_many
    for intervention in Intervention:
        [certificate] = rules.piece_errors(
            intervention=intervention, pieces_count=1, has_list=False, has_certificate=False
        )
        assert "certificat administratif signé" in certificate
        assert not rules.piece_errors(
            intervention=intervention, pieces_count=1, has_list=False, has_certificate=True
        )
