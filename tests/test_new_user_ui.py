"""The window as a new clerk meets it: previews open where there is something to see and say it plainly."""

from __future__ import annotations

from cnam_desk.schedule import enrolments, exam_calendar, planning
from cnam_desk.ui.import_dialogs import EnrolmentPreviewDialog, SchedulePreviewDialog
from tests.schedule_files import write_book

SESSION = "2023-2024/S1/1"


def test_enrolment_preview_opens_on_the_first_tab_with_rows(qtbot, db, tmp_path) -> None:
    header = ["N° auditeur", "NOM", "Prénom", "Adresse", "UE"]
    first = write_book(tmp_path / "a.xlsx", [header, ["100200301", "Dupont", "Jean", "", "NFA031"]])
    enrolments.import_enrolments(db, first, "2023-2024")
    again = write_book(tmp_path / "b.xlsx", [header, ["100200301", "Dupont", "Jean", "12 rue de la Paix", "NFA031"]])
    file = enrolments.read_enrolments(again, "2023-2024")
    dialog = EnrolmentPreviewDialog(file, enrolments.preview_enrolments(db, file))
    qtbot.addWidget(dialog)
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Auditeurs mis à jour (1)"


def test_a_schedule_with_every_row_in_error_is_not_called_up_to_date(qtbot, db, tmp_path) -> None:
    path = write_book(tmp_path / "p.xlsx", [["UE", "Date", "Début", "Fin"], ["NFA031", "22/05/2024", "18h", "21h"]])
    view = exam_calendar.get_session(db, SESSION)
    schedule = planning.read_schedule(path, view)
    dialog = SchedulePreviewDialog(schedule, planning.preview_schedule(db, schedule), view)
    qtbot.addWidget(dialog)
    assert "déjà à jour" not in dialog.counts.text()
    assert "toutes en erreur" in dialog.counts.text()
    assert not dialog.import_button.isEnabled()
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Erreurs (1)"


def test_a_schedule_with_some_rows_in_error_and_the_rest_unchanged_is_up_to_date(qtbot, db, tmp_path) -> None:
    header = ["UE", "Date", "Début", "Fin"]
    good = ["NFA031", "22/01/2024", "18h", "21h"]
    view = exam_calendar.get_session(db, SESSION)
    planning.import_schedule(db, write_book(tmp_path / "a.xlsx", [header, good]), SESSION)
    schedule = planning.read_schedule(write_book(tmp_path / "b.xlsx", [header, good, ["NFA032", "22/05/2024", "18h", "21h"]]), view)
    dialog = SchedulePreviewDialog(schedule, planning.preview_schedule(db, schedule), view)
    qtbot.addWidget(dialog)
    assert "déjà à jour" in dialog.counts.text()


def test_the_queue_says_what_a_failed_check_means() -> None:
    """« Créneau : aucun » and « Dates : hors examen » left a new clerk guessing."""
    from cnam_desk.requests import checks
    from cnam_desk.ui.request_models import SHORT

    assert SHORT["overlap"][checks.NO_OVERLAP] == "pas simultanés"
    assert SHORT["trip_covers_exam"][False] == "ne couvrent pas"
