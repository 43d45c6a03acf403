"""The schedule in the Calendrier tab: drops and previews, month view, the 100,000-row table, clashes."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialog

from cnam_desk.schedule import enrolments, planning
from cnam_desk.ui import msgbox
from cnam_desk.ui.calendar_tab import SESSION_KEY_ROLE
from cnam_desk.ui.import_dialogs import EnrolmentPreviewDialog, SchedulePreviewDialog
from cnam_desk.ui.main_window import MainWindow
from cnam_desk.ui.schedule_models import ExamTableModel, SearchProxy
from cnam_desk.ui.schedule_view import from_qdate, to_qdate
from tests.schedule_files import SESSION, plain_schedule, write_book

D = dt.date
T = dt.time


@pytest.fixture
def said(monkeypatch):
    """What the window told the clerk, instead of message boxes."""
    messages: list[tuple[str, str, str]] = []
    for kind in ("information", "warning"):
        monkeypatch.setattr(msgbox, kind, lambda _parent, title, text, kind=kind: messages.append((kind, title, text)))
    monkeypatch.setattr(msgbox, "error", lambda _p, title, text, details="": messages.append(("error", title, text + details)))
    return messages


@pytest.fixture
def window(qtbot, db, said):
    main = MainWindow(db)
    qtbot.addWidget(main)
    main.show_tab("calendrier")  # each tab reads its data when first shown
    main.show()
    main.calendar_tab.select_session(SESSION)
    return main


class Seen:
    """What a preview dialog showed when it was open (the window deletes it afterwards)."""

    def __init__(self, dialog):
        self.kind = type(dialog)
        self.heading = dialog.heading.text()
        self.counts = dialog.counts.text()
        self.button = dialog.import_button.text()
        self.tables = {
            name: [[model.data(model.index(r, c)) for c in range(model.columnCount())] for r in range(model.rowCount())]
            for name, model in dialog.models.items()
        }


@pytest.fixture
def answers(monkeypatch):
    """The preview dialogs the clerk saw, and the answer they give (Importer unless told otherwise)."""
    seen: list[Seen] = []
    state = {"accept": True}

    def exec_(dialog: QDialog) -> int:
        seen.append(Seen(dialog))
        return QDialog.DialogCode.Accepted if state["accept"] else QDialog.DialogCode.Rejected

    monkeypatch.setattr(SchedulePreviewDialog, "exec", exec_)
    monkeypatch.setattr(EnrolmentPreviewDialog, "exec", exec_)
    return seen, state


def drop(qtbot, widget, path, position: QPoint | None = None) -> None:
    """Drag a local file over a widget and drop it, as a file manager would."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    point = QPointF(position if position is not None else widget.rect().center())
    actions = Qt.DropAction.CopyAction
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(point, actions, mime, buttons, modifiers)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    move = QDragMoveEvent(point, actions, mime, buttons, modifiers)
    QApplication.sendEvent(widget, move)
    dropped = QDropEvent(point, actions, mime, buttons, modifiers)
    QApplication.sendEvent(widget, dropped)
    assert dropped.isAccepted()


ROWS = [
    ["NFA031", "Java", "22/01/2024", "18h", "21h", "Amphi A", "Paris"],
    ["NFA032", "Java 2", "22/01/2024", "19h", "22h", "Amphi A", "Paris"],
    ["RSX101", "Réseaux", "24/01/2024", "14h", "17h", "Salle 3", "Lyon"],
]


def test_drop_a_schedule_on_the_tab_then_confirm(qtbot, window, tmp_path, answers, said, db) -> None:
    seen, _state = answers
    tab = window.calendar_tab
    path = write_book(tmp_path / "planning.xlsx", [["Planning S1"], [], *plain_schedule(ROWS), ["NFA033", "", "22/01/2025", "9h", "12h", "", ""]])
    drop(qtbot, tab, path)
    qtbot.waitUntil(lambda: bool(said), timeout=20_000)
    dialog = seen[0]
    assert dialog.kind is SchedulePreviewDialog
    assert "2023-2024/S1/1" in dialog.heading and "planning.xlsx" in dialog.heading
    assert "4 lignes lues" in dialog.heading
    assert "À ajouter : <b>3</b>" in dialog.counts
    assert dialog.tables["errors"] == [[
        "Planning", "7", "C",
        "le mercredi 22 janvier 2025 est en dehors de la session (du 22/01/2024 au 03/02/2024)",
    ]]  # fmt: skip
    assert [row[0] for row in dialog.tables["added"]] == ["NFA031", "NFA032", "RSX101"]
    assert dialog.button == "Importer sans les lignes en erreur"
    assert said[-1][0] == "information" and "3 épreuves ajoutées" in said[-1][2]
    assert {e.ue for e in planning.list_exams(db, SESSION)} == {"NFA031", "NFA032", "RSX101"}
    assert tab.schedule.exams.rowCount() == 3  # the tab shows what was imported
    assert tab.schedule.tabs.tabText(1) == "Conflits (1)"  # Amphi A booked twice


def test_cancelling_the_preview_writes_nothing(qtbot, window, tmp_path, answers, said, db) -> None:
    seen, state = answers
    state["accept"] = False
    drop(qtbot, window.calendar_tab, write_book(tmp_path / "p.xlsx", plain_schedule(ROWS)))
    qtbot.waitUntil(lambda: bool(seen), timeout=20_000)
    qtbot.wait(50)
    assert planning.list_exams(db, SESSION) == []
    assert said == []


def test_drop_on_a_session_of_the_tree(qtbot, window, tmp_path, answers, said, db) -> None:
    seen, _state = answers
    tab = window.calendar_tab
    target = tab.model.index_of("2023-2024/S2/1")
    position = tab.tree.visualRect(target).center()
    june = [["NFA031", "Java", "10/06/2024", "18h", "21h", "A", "Paris"]]
    drop(qtbot, tab.tree.viewport(), write_book(tmp_path / "juin.xlsx", plain_schedule(june)), position)
    qtbot.waitUntil(lambda: bool(said), timeout=20_000)
    assert "2023-2024/S2/1" in seen[0].heading
    assert tab.current_key() == "2023-2024/S2/1"
    assert [e.ue for e in planning.list_exams(db, "2023-2024/S2/1")] == ["NFA031"]
    assert planning.list_exams(db, SESSION) == []


def test_drop_enrolments_is_recognised(qtbot, window, tmp_path, answers, said, db) -> None:
    seen, _state = answers
    path = write_book(
        tmp_path / "inscrits.xlsx",
        [["Numéro d'auditeur", "Nom", "Prénom", "Email", "Code UE"], ["100", "Martin", "Jules", "j@exemple.fr", "NFA031"]],
    )
    drop(qtbot, window.calendar_tab, path)
    qtbot.waitUntil(lambda: bool(said), timeout=20_000)
    assert seen[0].kind is EnrolmentPreviewDialog
    assert "2023-2024" in seen[0].heading
    assert "1 inscription ajoutée" in said[-1][2]
    assert enrolments.preview_enrolments(db, enrolments.read_enrolments(path, "2023-2024")).unchanged == 1


def test_a_bad_file_is_told_and_changes_nothing(qtbot, window, tmp_path, answers, said, db) -> None:
    seen, _state = answers
    path = tmp_path / "planning.xlsx"
    path.write_text("ceci n'est pas un tableur")
    drop(qtbot, window.calendar_tab, path)
    qtbot.waitUntil(lambda: bool(said), timeout=20_000)
    assert said[0][0] == "warning" and "planning.xlsx" in said[0][2]
    assert seen == [] and planning.list_exams(db, SESSION) == []


def test_other_files_are_not_accepted(qtbot, window, tmp_path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "notes.txt"))])
    enter = QDragEnterEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter.ignore()
    QApplication.sendEvent(window.calendar_tab, enter)
    assert not enter.isAccepted()


def test_file_menu_actions(qtbot, window, monkeypatch, tmp_path, said, db) -> None:
    labels = [a.text().replace("&", "") for a in window.file_menu.actions() if not a.isSeparator()]
    schedule_labels = ["Importer un planning…", "Importer des inscriptions…", "Exporter le planning…", "Feuilles d'émargement…"]
    first = labels.index(schedule_labels[0])
    assert labels[first : first + 4] == schedule_labels
    assert labels[-1] == "Quitter"
    planning.import_schedule(db, write_book(tmp_path / "p.xlsx", plain_schedule(ROWS)), SESSION)
    out = tmp_path / "export.ics"
    monkeypatch.setattr(msgbox, "save_file", lambda *args: out)
    window.calendar_tab.export_action.trigger()
    assert out.read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert "3 épreuves écrites" in said[-1][2]
    monkeypatch.setattr(msgbox, "open_file", lambda *args: None)  # the clerk cancels the file dialog
    window.calendar_tab.import_schedule_action.trigger()
    assert len(said) == 1
    monkeypatch.setattr(msgbox, "directory", lambda *args: tmp_path / "emargement")
    window.calendar_tab.attendance_action.trigger()
    qtbot.waitUntil(lambda: len(said) == 2, timeout=20_000)
    assert "3 feuilles écrites" in said[-1][2]
    assert len(list((tmp_path / "emargement").glob("*.pdf"))) == 3


def test_month_view_and_the_days_exams(qtbot, demo_db, said) -> None:
    main = MainWindow(demo_db)
    qtbot.addWidget(main)
    main.show_tab("calendrier")
    tab = main.calendar_tab
    tab.select_session(SESSION)
    month = tab.schedule.month
    assert month.span == (D(2024, 1, 22), D(2024, 2, 3))
    assert month.deadline_day == D(2024, 1, 7)
    assert month.exam_days and all(D(2024, 1, 22) <= day <= D(2024, 2, 3) for day in month.exam_days)
    first = min(month.exam_days)
    assert from_qdate(month.selectedDate()) == first
    assert month.dateTextFormat(to_qdate(first)).fontWeight() > 400  # exam days in bold
    assert month.dateTextFormat(to_qdate(D(2024, 1, 7))).background().color().name() == "#fecaca"
    assert month.dateTextFormat(to_qdate(D(2024, 2, 10))).background().style() == Qt.BrushStyle.NoBrush
    month.clicked.emit(to_qdate(first))
    day_rows = tab.schedule.day_model.rows()
    assert day_rows and all(row.date == first for row in day_rows)
    assert tab.schedule.day_label.text().startswith("<b>Lundi 22 janvier 2024</b>")
    month.clicked.emit(to_qdate(D(2024, 1, 28)))  # a Sunday
    assert tab.schedule.day_model.rowCount() == 0 and "aucune épreuve" in tab.schedule.day_label.text()


def test_search_box_filters_by_ue_room_centre_and_date(qtbot, window, tmp_path, db) -> None:
    planning.import_schedule(db, write_book(tmp_path / "p.xlsx", plain_schedule(ROWS)), SESSION)
    tab = window.calendar_tab
    tab.load_schedule()
    panel = tab.schedule

    def shown(text: str) -> list[str]:
        panel.search.setText(text)
        panel.apply_search()
        return sorted(panel.proxy.index(r, 4).data() for r in range(panel.proxy.rowCount()))

    assert shown("") == ["NFA031", "NFA032", "RSX101"]
    assert shown("nfa") == ["NFA031", "NFA032"]
    assert shown("amphi") == ["NFA031", "NFA032"]
    assert shown("LYON") == ["RSX101"]
    assert shown("24/01") == ["RSX101"]
    assert shown("mercredi") == ["RSX101"]
    assert shown("lundi amphi nfa031") == ["NFA031"]
    assert shown("zzz") == []
    assert panel.found.text() == "0 sur 3"


def test_models_pass_the_model_tester(qtmodeltester, qtbot, demo_db, tmp_path) -> None:
    main = MainWindow(demo_db)
    qtbot.addWidget(main)
    main.show_tab("calendrier")
    tab = main.calendar_tab
    tab.select_session(SESSION)
    panel = tab.schedule
    assert panel.exams.rowCount() > 0 and panel.conflicts.students.rowCount() > 0
    for model in (panel.exams, panel.proxy, panel.day_model, panel.conflicts.students, panel.conflicts.rooms):
        qtmodeltester.check(model)
    panel.search.setText("amphi")
    panel.apply_search()
    qtmodeltester.check(panel.proxy)
    path = write_book(tmp_path / "p.xlsx", plain_schedule([*ROWS, [None, "", "23/01/2024", "9h", "12h", "", ""]]))
    schedule = planning.read_schedule(path, tab.current_session())
    dialog = SchedulePreviewDialog(schedule, planning.preview_schedule(demo_db, schedule), tab.current_session())
    qtbot.addWidget(dialog)
    for model in dialog.models.values():
        qtmodeltester.check(model)
    assert dialog.models["removed"].rowCount() > 0  # the demo's exams the file does not list


def _many_exams(count: int) -> list[tuple]:
    days = [D(2024, 1, 22) + dt.timedelta(days=i) for i in range(12)]
    return [
        (i, f"UE{i % 5000:05d}", f"Unité {i % 5000}", days[i % 12], T(9 + i % 3 * 4), T(12 + i % 3 * 4),
         f"Salle {i % 97}", f"Centre {i % 20:02d}")
        for i in range(count)
    ]  # fmt: skip


def test_a_hundred_thousand_exams_stay_smooth(qtbot, qtmodeltester) -> None:
    from cnam_desk.ui.schedule_view import SchedulePanel

    rows = _many_exams(100_000)
    panel = SchedulePanel()
    qtbot.addWidget(panel)
    panel.setMinimumSize(1000, 700)  # fixed before showing: the offscreen platform cannot resize windows later
    panel.show()
    begin = time.perf_counter()
    panel.exams.set_exams(rows)
    panel.proxy.set_search("")
    built = time.perf_counter() - begin
    assert panel.proxy.rowCount() == 100_000
    begin = time.perf_counter()
    panel.search.setText("salle 12 centre 07")
    panel.apply_search()
    searched = time.perf_counter() - begin
    assert 0 < panel.proxy.rowCount() < 100_000
    begin = time.perf_counter()
    panel.table.sortByColumn(4, Qt.SortOrder.DescendingOrder)
    sorted_ = time.perf_counter() - begin
    assert panel.proxy.index(0, 4).data() >= panel.proxy.index(panel.proxy.rowCount() - 1, 4).data()
    panel.table.scrollToBottom()
    qtbot.wait(10)
    print(f"\n100 000 épreuves : chargées en {built:.2f} s, recherche {searched:.2f} s, tri {sorted_:.2f} s")
    # Generous bounds: the figures printed above are what matters; these catch a per-row slip.
    assert built < 1.5 and searched < 2.0 and sorted_ < 3.0


def test_sorting_keeps_the_selection(qtbot) -> None:
    model = ExamTableModel()
    model.set_exams(_many_exams(50))
    proxy = SearchProxy()
    proxy.setSourceModel(model)
    from PySide6.QtCore import QPersistentModelIndex

    kept = QPersistentModelIndex(model.index(7, 4))
    ue = kept.data()
    proxy.sort(4, Qt.SortOrder.DescendingOrder)
    assert kept.isValid() and kept.data() == ue
    assert kept.row() != 7 or ue == model.index(7, 4).data()


def test_tree_items_still_carry_their_keys(window) -> None:
    index = window.calendar_tab.model.index_of(SESSION)
    assert index.data(SESSION_KEY_ROLE) == SESSION


def test_enrolment_preview_models(qtmodeltester, qtbot, db, tmp_path) -> None:
    first = write_book(tmp_path / "a.xlsx", [["Numéro d'auditeur", "Nom", "Code UE"], ["100", "Martin", "NFA031"]])
    enrolments.import_enrolments(db, first, "2023-2024")
    second = write_book(
        tmp_path / "b.xlsx",
        [["Numéro d'auditeur", "Nom", "Prénom", "Code UE"],
         ["100", "Martin-Durand", "Jules", "NFA031"], ["200", "Petit", "", "NFA032"], [None, "Sans numéro", "", "NFA031"]],
    )  # fmt: skip
    file = enrolments.read_enrolments(second, "2023-2024")
    dialog = EnrolmentPreviewDialog(file, enrolments.preview_enrolments(db, file))
    qtbot.addWidget(dialog)
    for model in dialog.models.values():
        qtmodeltester.check(model)
    updated = dialog.models["students_updated"]
    assert updated.data(updated.index(0, 2)) == "nom : Martin → Martin-Durand, prénom : — → Jules"
    assert dialog.models["errors"].rowCount() == 1
    assert "1 ligne en erreur ne sera pas importée" in dialog.warning.text()
