"""Any answer that speaks of health is recognised, in the many ways students write it."""

from __future__ import annotations

import pytest

from cnam_desk.requests.health import fold, speaks_of_health

HEALTH = [
    "Je suis dyslexique",
    "Dyslexie reconnue",
    "DYSLEXIE",
    "dyspraxie et dysorthographie",
    "Aménagement pour diabète (insuline pendant l'épreuve)",
    "je suis diabétique de type 1",
    "Crises d'épilepsie, traitement médical en cours",
    "voir mon médecin",
    "Mon medecin traitant me l'a conseillé",
    "certificat médical joint",
    "J'ai un dossier MDPH",
    "reconnaissance RQTH",
    "tiers-temps demandé",
    "Tiers temps",
    "1/3 temps",
    "un tiers temps comme l'an dernier",
    "temps majoré",
    "ALD depuis 2019",
    "affection de longue durée",
    "je suis enceinte de 8 mois",
    "grossesse à risque",
    "pregnant, due in January",
    "I am dyslexic",
    "disability support needed",
    "extra time (medical)",
    "for health reasons",
    "pour raison de santé",
    "problèmes de santé",
    "mon état de santé ne me permet pas",
    "hospitalisée la semaine de l'examen",
    "suite à une opération chirurgicale",
    "je suis en chimiothérapie",
    "cancer du sein",
    "Trouble de l'attention (TDAH)",
    "troubles anxieux",
    "dépression, suivie par un psychiatre",
    "autisme Asperger",
    "malvoyante",
    "je suis sourde",
    "fauteuil roulant",
    "personne à mobilité réduite",
    "sclérose en plaques",
    "maladie de Crohn",
    "endométriose sévère",
    "asthme sévère",
    "je dois prendre des médicaments",
    "arrêt maladie",
    "ma fille est malade",
    "handicap",
    "situation de HANDICAP",
    "Handi'Cnam m'a dit de faire la demande",
    "séances d'orthophonie",
    "kinésithérapie après un accident",
    "PAI au lycée, AESH",
    "sous traitement",
    "migraines chroniques",
]

ORDINARY = [
    "Deux examens le même jour à la même heure",
    "deux examens en même temps",
    "pas le temps entre les deux épreuves",
    "mon traitement de texte a planté",
    "chevauchement NFA031 / NFA032",
    "Mes examens se chevauchent",
    "Déplacement professionnel à Lyon du 20 au 25 janvier",
    "mission à l'étranger pour mon employeur",
    "voyage d'affaires",
    "Je travaille de nuit cette semaine-là",
    "attestation de M1 pour ma candidature",
    "conflit d'horaires avec mon travail",
    "NFA008 Bases de données et NFP107 Systèmes de gestion de bases de données",
    "Traitement du signal et NFA031 le même jour",
    "je suis en formation chez un client",
    "le 12 sep je suis à Bordeaux",
    "opération de maintenance chez un client à Nantes",
    "convocation au greffe du tribunal",
    "Overlap between two exams",
    "business trip",
    "",
]


@pytest.mark.parametrize("text", HEALTH)
def test_health_is_recognised(text: str) -> None:
    assert speaks_of_health(text)


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_reasons_are_not_health(text: str) -> None:
    assert not speaks_of_health(text)


def test_folding_ignores_case_accents_and_signs() -> None:
    assert fold("  Épilepsie, TRAITEMENT—médical ! ") == "epilepsie traitement medical"
    assert speaks_of_health(None) is False
