"""The seeds' FSD rules, as plain data and pure functions (no database)."""

from dataclasses import dataclass

from api.auth.models import Role
from api.fsd.models import FsdStatus, Intervention
from knowledge_base.vocabulary import FSD_IMPACT_LABELS, FSD_SEVERITY_LABELS

S = FsdStatus

# At most 20 pieces per FSD and per administrative certificate; beyond 5, a spreadsheet listing
# them (piece number, company, fiscal year) is joined.
MAX_PIECES = 20
PIECES_WITHOUT_LIST = 5

# The seeds name the three criteria of an FSD's priority (severity: importance of the function
# hit; impact: disruption of the Chorus activity; level: number of users blocked) but not their
# scale: this is the assistant's convention, each criterion scored 1 to 3.
SEVERITY_LABELS = FSD_SEVERITY_LABELS
IMPACT_LABELS = FSD_IMPACT_LABELS
PRIORITIES = ((4, "basse"), (6, "normale"), (8, "haute"), (9, "critique"))

INTERVENTION_LABELS = {
    Intervention.NEXT_ACTOR: "Passage à l'acteur suivant dans le workflow",
    Intervention.WORKFLOW_RESTART: "Relance du workflow si consommation d'AE",
    Intervention.TABLE_CHANGE: "Modification d'une donnée en table (date, champ quelconque)",
    Intervention.POSTING: "Comptabilisation",
    Intervention.DELETION: "Suppression",
    Intervention.MATCHING: "Rapprochement / dé-rapprochement",
    Intervention.REVERSAL: "Contrepassation",
}

STATUS_LABELS = {
    S.NOUVEAU: "nouveau",
    S.EN_COURS: "en cours de traitement",
    S.ENVOYE_SUPPORT: "envoyé au support",
    S.ACTION_CORRESPONDANT: "action correspondant",
    S.PROPOSITION_SOLUTION: "proposition de solution",
    S.CLOS: "clos",
}


def users_level(users_blocked: int) -> int:
    """The impact level from the number of users blocked: 1 (one), 2 (up to 10), 3 (more)."""
    if users_blocked <= 1:
        return 1
    return 2 if users_blocked <= 10 else 3


def priority(*, severity: int, impact: int, users_blocked: int) -> str:
    """The FSD's priority: basse, normale, haute or critique."""
    score = severity + impact + users_level(users_blocked)
    return next(label for bound, label in PRIORITIES if score <= bound)


def routed_to(subcategory: str) -> str:
    """Chorus Pro routing: a sub-category starting with "M" goes to the business service."""
    return "service_metier" if subcategory.strip().upper().startswith("M") else "support_outil"


def needs_object_number(subcategory: str) -> bool:
    """A business sub-category ("M...") needs the object number (invoice, mémoire...)."""
    return routed_to(subcategory) == "service_metier"


@dataclass(frozen=True)
class Transition:
    """A change of status, who may make it, and what it means."""

    source: FsdStatus
    target: FsdStatus
    roles: frozenset[Role]


def _t(source: FsdStatus, target: FsdStatus, *roles: Role) -> Transition:
    return Transition(source, target, frozenset(roles))


# The seeds' lifecycle. SN1 takes the new FSD, answers it or escalates it to SN2 ("envoyé au
# support"); SN1 or SN2 ask the CCA for more ("action correspondant") or propose a solution; the
# CCA answers (back to SN1: a CCA never sends an FSD to SN2 directly) or accepts the solution.
TRANSITIONS: tuple[Transition, ...] = (
    _t(S.NOUVEAU, S.EN_COURS, Role.SN1),
    _t(S.EN_COURS, S.ENVOYE_SUPPORT, Role.SN1),
    _t(S.EN_COURS, S.ACTION_CORRESPONDANT, Role.SN1),
    _t(S.EN_COURS, S.PROPOSITION_SOLUTION, Role.SN1),
    _t(S.ENVOYE_SUPPORT, S.ACTION_CORRESPONDANT, Role.SN2),
    _t(S.ENVOYE_SUPPORT, S.PROPOSITION_SOLUTION, Role.SN2),
    _t(S.ACTION_CORRESPONDANT, S.EN_COURS, Role.CCA, Role.SN1),
    _t(S.PROPOSITION_SOLUTION, S.EN_COURS, Role.CCA, Role.SN1),
    _t(S.PROPOSITION_SOLUTION, S.CLOS, Role.CCA, Role.SN1),
    _t(S.NOUVEAU, S.CLOS, Role.SN1),
    _t(S.EN_COURS, S.CLOS, Role.SN1),
    _t(S.ACTION_CORRESPONDANT, S.CLOS, Role.SN1),
)


def refusal(*, source: FsdStatus, target: FsdStatus, role: Role) -> str | None:
    """Why this role may not move an FSD from `source` to `target` (in French), or None."""
    if source is S.CLOS:
        return "Cette fiche est close : son statut ne peut plus changer."
    if source is target:
        return f"La fiche est déjà au statut « {STATUS_LABELS[target]} »."
    if target is S.ENVOYE_SUPPORT and role is not Role.SN1:
        return (
            "Seul le support ministériel (SN1) envoie une fiche au support (SN2) ; un CCA ne "
            "l'envoie jamais directement, sinon le SN1 en perd la trace."
        )
    allowed = next((t for t in TRANSITIONS if t.source is source and t.target is target), None)
    if allowed is None:
        return (
            f"Une fiche au statut « {STATUS_LABELS[source]} » ne peut pas passer au statut "
            f"« {STATUS_LABELS[target]} »."
        )
    if role not in allowed.roles:
        who = ", ".join(sorted(r.value.upper() for r in allowed.roles))
        return f"Ce changement de statut est réservé à : {who}."
    return None


def piece_errors(
    *, intervention: Intervention | None, pieces_count: int, has_list: bool, has_certificate: bool
) -> list[str]:
    """What the seeds' rules on pieces and certificates still require (in French)."""
    errors = []
    if pieces_count > MAX_PIECES:
        errors.append(
            f"Pas plus de {MAX_PIECES} pièces par fiche et par certificat administratif : "
            "répartissez les pièces sur plusieurs fiches."
        )
    if pieces_count > PIECES_WITHOUT_LIST and not has_list:
        errors.append(
            f"Au-delà de {PIECES_WITHOUT_LIST} pièces, joignez un tableur listant les pièces "
            "(numéro de la pièce, société, exercice)."
        )
    if intervention is not None and not has_certificate:
        errors.append(
            f"L'intervention « {INTERVENTION_LABELS[intervention]} » nécessite un certificat "
            "administratif signé par une personne autorisée (responsable du CSP) et identifiée "
            "par le support AIFE."
        )
    return errors
