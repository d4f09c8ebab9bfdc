"""French text processing for retrieval: accents and case folded, Chorus acronyms and the
synonyms the seeds use mapped to one term, stop words dropped, words stemmed (Snowball).

Questions and knowledge entries go through the same `terms()`, so "engagement juridique", "EJ"
and "l'ej" meet on one term, and "connecter", "connexion" and "login" on another.
"""

import re
from functools import lru_cache

import Stemmer

from knowledge_base.normalize import strip_accents

# Multi-word expressions and acronyms of the seeds, folded (lower case, no accents), mapped to
# one canonical term. Longer expressions are replaced first.
PHRASES: dict[str, str] = {
    # Chorus vocabulary (seeds 000, 001, 002)
    "engagement juridique": "ej",
    "engagements juridiques": "ej",
    "bon de commande": "ej",
    "bons de commande": "ej",
    "fiche service desk": "fsd",
    "fiches service desk": "fsd",
    "fiche de service desk": "fsd",
    "fiche desk": "fsd",
    "fiches desk": "fsd",
    "service desk": "fsd",
    "servicedesk": "fsd",
    "correspondant chorus applicatif": "cca",
    "correspondants chorus applicatifs": "cca",
    "correspondant applicatif": "cca",
    "correspondants applicatifs": "cca",
    "correspondant chorus habilitation": "cch",
    "correspondants chorus habilitation": "cch",
    "correspondant chorus parametrage": "ccp",
    "correspondants chorus parametrage": "ccp",
    "correspondant chorus travaux de fin de gestion": "cctfg",
    "correspondants chorus travaux de fin de gestion": "cctfg",
    "correspondant chorus formulaires de proximite": "ccfp",
    "correspondants chorus formulaires de proximite": "ccfp",
    "travaux de fin de gestion": "tfg",
    "fin de gestion": "tfg",
    "support ministeriel": "sn1",
    "mission ministerielle chorus": "sn1",
    "mission chorus": "sn1",
    "niveau 1": "sn1",
    "support national": "sn2",
    "support aife": "sn2",
    "niveau 2": "sn2",
    "service fait": "sf",
    "services faits": "sf",
    "demande d achat": "da",
    "demandes d achat": "da",
    "centre financier": "cf",
    "centres financiers": "cf",
    "ctre financier": "cf",
    "autorisation d engagement": "ae",
    "autorisations d engagement": "ae",
    "recettes non fiscales": "rnf",
    "recette non fiscale": "rnf",
    "certificat administratif": "ca",
    "certificats administratifs": "ca",
    "gestionnaire principal": "gp",
    "mot de passe": "mdp",
    "mots de passe": "mdp",
    "chorus formulaires": "chorusformulaires",
    "chorus formulaire": "chorusformulaires",
    "chorus pro": "choruspro",
    "chorus coeur": "choruscoeur",
    "chorus dt": "chorusdt",
    "chorus dm": "chorusdm",
    "carte achat": "carteachat",
    "carte d achat": "carteachat",
    "cartes achat": "carteachat",
    "assistant virtuel": "assistant",
    "assistante virtuelle": "assistant",
    "agent virtuel": "assistant",
    "live chat": "livechat",
    "chat en direct": "livechat",
    "memoire de frais de justice": "memoire",
    "memoires de frais de justice": "memoire",
    "frais de justice": "memoire",
    "demande de remboursement": "dr",
    "demandes de remboursement": "dr",
    "upgrade sap": "upgradesap",
    "montee de version": "upgradesap",
    "s 4hana": "s4hana",
    "s4 hana": "s4hana",
    "incident majeur": "incidentmajeur",
    "incidents majeurs": "incidentmajeur",
    "anomalie connue": "incidentmajeur",
    "anomalies connues": "incidentmajeur",
    "z liste ej": "zlisteej",
    "copie d ecran": "capture",
    "copies d ecran": "capture",
    "capture d ecran": "capture",
    "captures d ecran": "capture",
    "impression d ecran": "capture",
    "impression ecran": "capture",
    "print screen": "capture",
    "mise a jour": "upgradesap",
    "a quoi sert": "",
    "a quoi ca sert": "",
    "ca sert a quoi": "",
    "c est quoi": "",
    "qu est ce que": "",
    "qu est ce qu": "",
    "est ce que": "",
    "est ce qu": "",
    "veut dire": "",
    "ca veut dire": "",
    "a envoyer au support": "envoyeausupport",
    "envoye au support": "envoyeausupport",
    "envoyer au support": "envoyeausupport",
}
# Single words that mean the same as another term (after folding, before stemming).
SYNONYMS: dict[str, str] = {
    "engagement": "ej",
    "engagements": "ej",
    "commande": "ej",
    "fiche": "fsd",
    "fiches": "fsd",
    "izia": "assistant",
    "chatbot": "assistant",
    "robot": "assistant",
    "bot": "assistant",
    "login": "connexion",
    "loguer": "connexion",
    "logguer": "connexion",
    "connecter": "connexion",
    "connecte": "connexion",
    "connectee": "connexion",
    "connectes": "connexion",
    "connect": "connexion",
    "reconnecter": "connexion",
    "identifier": "connexion",
    "password": "mdp",
    "verrouille": "bloque",
    "verrouillee": "bloque",
    "bloquee": "bloque",
    "bloques": "bloque",
    "bloquees": "bloque",
    "bloquer": "bloque",
    "bloquage": "bloque",
    "blocage": "bloque",
    "droits": "habilitation",
    "droit": "habilitation",
    "habilitations": "habilitation",
    "habilite": "habilitation",
    "role": "habilitation",
    "roles": "habilitation",
    "fournisseur": "tiers",
    "fournisseurs": "tiers",
    "webinaire": "webinaire formation",
    "webinaires": "webinaire formation",
    "webinar": "webinaire formation",
    "stage": "formation",
    "stagiaire": "formation",
    "stagiaires": "formation",
    "former": "formation",
    "formations": "formation",
    "panne": "indisponible",
    "indisponibilite": "indisponible",
    "inaccessible": "indisponible",
    "conseiller": "livechat",
    "conseillere": "livechat",
    "humain": "livechat",
    "restitution": "infocentre",
    "restitutions": "infocentre",
    "requete": "infocentre",
    "reporting": "infocentre",
    "abonnement": "abonne",
    "abonner": "abonne",
    "courriel": "mail",
    "email": "mail",
    "mel": "mail",
    "indispo": "indisponible",
    "horraire": "horaire",
    "horraires": "horaire",
    "horaires": "horaire",
    "screenshot": "capture",
    "prevenu": "notifie",
    "prevenue": "notifie",
    "averti": "notifie",
    "notification": "notifie",
    "pb": "probleme",
    "soucis": "probleme",
    "souci": "probleme",
    "bug": "anomalie",
    "bugs": "anomalie",
    "dysfonctionnement": "anomalie",
    "plantage": "anomalie",
    "e": "",
}
# Words that carry no meaning for retrieval (folded).
_STOP_WORDS = """
    a ai aie aient ais ait alors as au aucun aussi autre aux avais avait avant avec avez aviez
    avoir avons bah bien bonjour bonsoir c ca car ce ceci cela celle celles celui cependant ces cet
    cette ceux chaque chez ci comme comment d dans de des deja depuis dois doit donc dont du elle
    elles en encore es est et etaient etais etait ete etes etre eu fais faire fait faut hello il
    ils j je jusqu l la le les leur leurs lui m ma madame mais me meme merci mes moi mon monsieur
    n ne ni nos notre nous on ont ou par parce pas peu peut peux plait pour pourquoi pouvez
    pourriez puis puisque qu quand que quel quelle quelles quels qui quoi s sa sans se ses si sil
    son sont stp suis sur svp t ta te tes toi ton tous tout toute toutes tu un une unes uns vos
    votre vous vs y
    exactement vraiment franchement juste simplement actuellement aujourd hui hier demain
    matin soir ici voila quelqu chose truc machin besoin aide aider aidez savoir voudrais
    veux voulais souhaite souhaiterais aimerais pourrais cordialement please ok
    oui non ben bon ah oh plz marche marcher fonctionne fonctionnent fonctionner plus
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())

# Words of a question that asks for a precise detail (an amount, a date, a name, the exact steps):
# the knowledge base rarely has those, so the retrieval's confidence weighs them.
_DETAIL = re.compile(
    r"\b(exactement|exacte|exact|precisement|precis|precise|liste complete|liste exacte|"
    r"combien|quelle date|quel jour|a quelle date|quand|delai|adresse web|telephone|nom de|"
    r"qui est la responsable|qui est le responsable|etapes|etape par etape|en detail|details?|"
    r"tarif|prix|montant|cout)\b"
)


def asks_detail(text: str) -> bool:
    """Whether the text asks for a precise detail (amount, date, name, exact steps)."""
    return _DETAIL.search(fold(text)) is not None


# How an entry says the seeds do not give a detail ("La base de connaissances ne précise pas…").
_GAP = re.compile(
    r"ne (decrit|precise|detaille|donne|indique|contient) (pas|ni)|n indique pas|"
    r"pas encore de procedure|n en donne pas"
)


def admits_gap(answer: str) -> bool:
    """Whether an answer says the knowledge base lacks some detail."""
    return _GAP.search(fold(answer)) is not None


_APOSTROPHES = re.compile(r"[’'`´]")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_stemmer = Stemmer.Stemmer("french")


def fold(text: str) -> str:
    """Lower case, no accents, apostrophes and punctuation as spaces: "L'EJ n°12" -> "l ej n 12"."""
    text = strip_accents(_APOSTROPHES.sub(" ", text)).lower()
    return " ".join(_NON_WORD.sub(" ", text).split())


def _phrase_pattern() -> re.Pattern[str]:
    phrases = sorted(PHRASES, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(p) for p in phrases) + r")\b")


_PHRASES = _phrase_pattern()


@lru_cache(maxsize=4096)
def canonical(text: str) -> str:
    """The folded text with the seeds' expressions and synonyms replaced by their terms."""
    folded = _PHRASES.sub(lambda m: PHRASES[m.group(1)], fold(text))
    words = (SYNONYMS.get(w, w) for w in folded.split())
    return " ".join(w for w in " ".join(words).split() if w)


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(_stemmer.stemWord(word))


def terms(text: str) -> list[str]:
    """The retrieval terms of a text: canonical words without stop words, stemmed."""
    return list(_terms(text))


@lru_cache(maxsize=4096)
def _terms(text: str) -> tuple[str, ...]:
    return tuple(_stem(w) for w in canonical(text).split() if w not in STOP_WORDS)
