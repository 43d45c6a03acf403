"""Whether a student's words speak of health: then the request is a disability request, sent on
to Handi'Cnam at once, and none of its text is kept.

The office must not hold health data it does not need (CNIL). A wrongly flagged answer costs a
redirection the clerk can see; a missed one keeps medical text in the database and its audit
trail. So the rule errs on the side of health: any word of disability, a "dys" disorder, a chronic
or serious illness, a treatment, a care giver, pregnancy, or the schemes that go with them.

Words are compared without case or accents; stems match their variants (« dyslexique »,
« dyslexie », « dyslexia »; « diabète », « diabétique »; « épileptique »).
"""

from __future__ import annotations

import re
import unicodedata

# Whole words (after folding): short or ambiguous ones that must stand alone.
_WORDS = frozenset(
    """
    ald mdph rqth aah pai pps avs aesh tdah tdh tsa tca tms vih sida ime itep
    handicap handicape handicapee handicapes handicapees handicaps handi handicnam
    malade malades maladie maladies medecin medecins medical medicale medicaux medicales
    medicament medicaments medication therapie soins
    hopital hospitalise hospitalisee hospitalisation clinique chirurgie opere operee
    enceinte grossesse accouchement prenatal postnatal maternite
    illness sick disease disorder disability disabled doctor medical treatment
    pregnant pregnancy hospital surgery medication therapy
    cancer chimio chimiotherapie radiotherapie tumeur leucemie
    asthme asthmatique allergie allergique migraine migraines
    convulsions fauteuil pmr
    sourd sourde malentendant malentendante aveugle malvoyant malvoyante
    autiste autisme asperger
    depression depressif depressive anxiete anxieux anxieuse psychiatre psychologue psychiatrique
    """.split()
)

# Stems: any word that begins with one of them.
_STEMS = (
    "dys",  # dyslexie, dyspraxie, dysorthographie, dyscalculie, dysphasie
    "diabet",
    "epilep",
    "insulin",
    "handicap",
    "hemophil",
    "mucovisc",
    "sclerose",
    "myopath",
    "paralys",
    "paraleg",
    "tetrapleg",
    "hemipleg",
    "amput",
    "chirurg",
    "cardiaq",
    "cardiopath",
    "drepanocyt",
    "crohn",
    "endometri",
    "fibromyalg",
    "lupus",
    "polyarthrit",
    "arthrit",
    "rhumat",
    "psychi",
    "psychot",
    "schizo",
    "bipolai",
    "trouble",  # troubles de l'attention, trouble anxieux...
    "hyperactiv",
    "deficien",
    "deficit",
    "chronique",
    "medic",
    "medec",
    "therap",
    "orthophon",
    "ergotherap",
    "kinesither",
    "neurolog",
    "oncolog",
    "dialys",
    "transplant",
    "patholog",
    "convalesc",
    "invalid",
    "ophtalm",
)

# Phrases (after folding), for what only several words say.
_PHRASES = (
    "1 3 temps",
    "tiers temps",
    "temps majore",
    "temps supplementaire pour raison",
    "extra time",
    "arret de travail",
    "arret maladie",
    "affection de longue duree",
    "reconnaissance de la qualite de travailleur handicape",
    "maison departementale des personnes handicapees",
    "projet d accueil individualise",
    "amenagement medical",
    "certificat medical",
    "avis medical",
    "situation de handicap",
    "mon etat de sante",
    "raison de sante",
    "raisons de sante",
    "probleme de sante",
    "problemes de sante",
    "health reasons",
    "health condition",
    "mental health",
    "ma sante",
    "sa sante",
    "sante fragile",
    "mobilite reduite",
    "traitement medical",
    "sous traitement",
)


def fold(text: str) -> str:
    """Lower case, no accents, words separated by single spaces (apostrophes and signs are spaces)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def speaks_of_health(text: str | None) -> bool:
    """True when the text says anything of the student's health (see the module's note)."""
    if not text:
        return False
    folded = fold(text)
    if not folded:
        return False
    words = folded.split()
    if any(word in _WORDS for word in words):
        return True
    if any(word.startswith(_STEMS) for word in words if len(word) >= 4 or word == "dys"):
        return True
    padded = f" {folded} "
    return any(f" {phrase} " in padded for phrase in _PHRASES)
