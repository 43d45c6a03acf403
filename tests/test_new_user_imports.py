"""Files from other offices' tools, as a new clerk receives them: what the importers must read right."""

from __future__ import annotations

import pytest

from cnam_desk.requests import columns
from cnam_desk.schedule import enrolments
from tests.schedule_files import write_book

YEAR = "2023-2024"


@pytest.mark.parametrize("header", ["Complément", "Complément d'adresse", "Adresse 2", "Adresse ligne 2"])
def test_address_complement_column_is_kept(db, tmp_path, header) -> None:
    path = write_book(
        tmp_path / "inscrits.xlsx",
        [
            ["N° auditeur", "NOM", "Prénom", "Adresse", header, "Code postal", "Ville", "UE"],
            ["100200301", "Dupont", "Jean", "12 rue de la Paix", "Bât. B, escalier 3", 75002, "Paris", "NFA031"],
            ["100200302", "Żółć", "Łukasz", "3 allée des Tilleuls", None, 3100, "Montluçon", "NFA031"],
        ],
    )
    file = enrolments.read_enrolments(path, YEAR)
    assert file.errors == []
    assert file.students["100200301"].postal_address == "12 rue de la Paix\nBât. B, escalier 3\n75002 Paris"
    assert file.students["100200302"].postal_address == "3 allée des Tilleuls\n03100 Montluçon"


@pytest.mark.parametrize(
    ("cell", "codes"),
    [
        ("NFA031-P; NFA032", ["NFA031-P", "NFA032"]),
        ("nfa031-p, us331h", ["NFA031-P", "US331H"]),
        ("NFA031-NFA032", ["NFA031", "NFA032"]),
        ("NFA031 - NFA032", ["NFA031", "NFA032"]),
        ("NFA031-P1 et RCP105", ["NFA031-P1", "RCP105"]),
    ],
)
def test_request_ue_codes_keep_their_suffix(cell, codes) -> None:
    """An UE code of the schedule such as « NFA031-P » is named whole in a Forms answer."""
    assert columns.extract_codes(cell) == codes
