"""The Demandes tab, offscreen: models, filters, the review with the keyboard only, drops, dialogs."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog

from cnam_desk.database import open_database
from cnam_desk.db.models import Letter, RequestKind, RequestStatus
from cnam_desk.requests import columns, detail, exports, intake, manual, queue, review
from cnam_desk.ui import request_dialogs, requests_tab
from cnam_desk.ui.request_models import (
    FIELD_CHOICES,
    ROW_ROLE,
    MappingModel,
    QueueModel,
    QueueProxy,
)
from tests.requests_support import answer, seed_office, write_export
from tests.ui_support import open_window

TRIP = {"reason": "Déplacement professionnel à l'étranger", "ues": "RSX101"}


@pytest.fixture
def office(db, tmp_path):
    seed_office(db)
    path = write_export(
        tmp_path / "f.xlsx",
        [
            answer(),  # 1: overlap, confirmed
            answer(
                "100002",
                response_id=2,
                trip_start="24/01/2024",
                trip_end="26/01/2024",
                last_name="Nguyễn",
                first_name="Thị Minh",
                **TRIP,
            ),  # 2: trip, no proof
            answer(
                "100004",
                "Situation de handicap",
                "NFA031",
                response_id=3,
                last_name="Martin",
                first_name="Léa",
            ),  # 3: redirected at once
            answer(
                "100003",
                "Chevauchement",
                "NFP107, RSX101",
                response_id=4,
                last_name="Łukasiewicz",
                first_name="Łukasz",
                completed=dt.datetime(2024, 1, 8, 9, 0),
            ),  # 4: late, not enrolled
        ],
    )
    intake.import_requests(db, path)
    return db


@pytest.fixture
def window(qtbot, office, messages):
    return open_window(qtbot, office, "demandes")


def visible_ids(tab) -> list[int]:
    return [tab.proxy.index(r, 0).data(ROW_ROLE).id for r in range(tab.proxy.rowCount())]


# --- models -------------------------------------------------------------------------------------------


def loaded_model(db, query: queue.QueueQuery | None = None, **kwargs) -> QueueModel:
    model = QueueModel()
    ids = queue.queue_ids(db, query or queue.QueueQuery("2023-2024/S1/1"))
    model.load(ids, lambda wanted: queue.rows_by_id(db, wanted), **kwargs)
    return model


def test_queue_model_and_proxy_pass_the_model_tester(qtmodeltester, office) -> None:
    model = loaded_model(office, processing_due=None)
    qtmodeltester.check(model)
    proxy = QueueProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    model.reorder(list(reversed(model.ids)))
    qtmodeltester.check(proxy)
    model.remove_request(2)
    qtmodeltester.check(proxy)
    assert [proxy.index(r, 0).data(ROW_ROLE).id for r in range(proxy.rowCount())] == [4, 3, 1]


def test_mapping_model_passes_the_model_tester(qtmodeltester, office, tmp_path) -> None:
    export = exports.read_export(office, write_export(tmp_path / "g.xlsx", [answer()]))
    model = MappingModel(export)
    qtmodeltester.check(model)
    # A field of one column moves; exams may take several.
    assert model.setData(model.index(1, 2), "student_number")
    assert model.fields[0] == "" and model.fields[1] == "student_number"
    model.setData(model.index(2, 2), "exams")
    assert model.mapping()["exams"] == [8, 11]
    assert not model.setData(model.index(2, 2), "colonne inconnue")
    assert model.data(model.index(5, 3)) == "NFA031, NFA008"
    qtmodeltester.check(model)


def test_model_reads_lines_a_page_at_a_time(office) -> None:
    asked: list[list[int]] = []

    def fetch(ids):
        asked.append(ids)
        return queue.rows_by_id(office, ids)

    model = QueueModel()
    model.load(queue.queue_ids(office, queue.QueueQuery("2023-2024/S1/1")), fetch, None)
    assert asked == []  # nothing read before a line is shown
    assert model.index(2, 0).data() == "3"
    assert asked == [[1, 2, 3, 4]]
    model.index(0, 3).data()
    assert len(asked) == 1


def test_model_shows_checks_and_overdue(office) -> None:
    due = dt.datetime(2024, 1, 14, 22, 59, tzinfo=dt.UTC)
    model = loaded_model(office, processing_due=due, now=dt.datetime(2024, 1, 10, tzinfo=dt.UTC))
    texts = [
        [model.index(r, c).data() for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]
    assert texts[0][4:8] == ["Chevauchement", "NFA031, NFA008", "En attente", "à temps"]
    assert texts[0][8] == "confirmé"
    late = next(t for t in texts if t[2] == "100003")
    assert late[7] == "hors délai" and late[8] == "non inscrit"
    assert model.index(0, 8).data(Qt.ItemDataRole.ToolTipRole) == "chevauchement confirmé"
    model = loaded_model(office, processing_due=due, now=dt.datetime(2024, 1, 20, tzinfo=dt.UTC))
    assert model.index(0, 6).data() == "En attente ⚠"
    assert model.index(0, 6).data(Qt.ItemDataRole.BackgroundRole) is not None


@pytest.mark.parametrize(
    ("sort", "descending", "ids"),
    [
        ("received_at", False, [1, 2, 3, 4]),
        ("id", True, [4, 3, 2, 1]),
        ("name", False, [1, 3, 2, 4]),  # Dupont, Martin, Nguyễn, Łukasiewicz (code point order)
        ("kind", False, [1, 4, 2, 3]),
        ("status", False, [1, 2, 4, 3]),
        ("deadline", False, [1, 2, 4, 3]),
        ("overlap", False, [1, 4, 2, 3]),
        ("proof", True, [4, 3, 1, 2]),
        ("trip_covers_exam", False, [2, 1, 3, 4]),
        ("receipts", False, [1, 2, 3, 4]),
        ("ues", False, [1, 3, 4, 2]),
    ],
)
def test_the_database_sorts_the_queue(office, sort, descending, ids) -> None:
    query = queue.QueueQuery("2023-2024/S1/1", sort=sort, descending=descending)
    assert queue.queue_ids(office, query) == ids


@pytest.mark.parametrize(
    ("criteria", "ids"),
    [
        ({}, [1, 2, 3, 4]),
        ({"status": RequestStatus.PENDING}, [1, 2, 4]),
        ({"kind": RequestKind.TRIP}, [2]),
        ({"late_only": True}, [4]),
        ({"checks": queue.ATTENTION}, [2, 4]),
        ({"checks": queue.CLEAR}, [1, 3]),
        ({"text": "nguy"}, [2]),
        ({"text": "NGUYEN thi"}, [2]),
        ({"text": "100003"}, [4]),
        ({"text": "rsx101"}, [2, 4]),
        ({"status": RequestStatus.PENDING, "checks": queue.ATTENTION, "text": "nfp107"}, [4]),
    ],
)
def test_filters_in_the_database_and_in_memory_agree(office, criteria, ids) -> None:
    query = queue.QueueQuery("2023-2024/S1/1", **criteria)
    assert queue.queue_ids(office, query) == ids
    rows = queue.list_requests(office, "2023-2024/S1/1")
    assert [r.id for r in rows if query.accepts(r)] == ids


def test_trip_not_covering_the_exam_needs_attention(office, tmp_path) -> None:
    path = write_export(
        tmp_path / "t.xlsx",
        [
            answer(
                "100001",
                response_id=9,
                trip_start="01/02/2024",
                trip_end="02/02/2024",
                reason="Déplacement à l'étranger",
                ues="NFP107",
            )
        ],
    )
    intake.import_requests(office, path)
    manual.attach_proof(office, 5, _pdf(tmp_path))
    assert queue.get_row(office, 5).checks == {
        "deadline": "on_time",
        "overlap": None,
        "proof": "present",
        "trip_covers_exam": False,
    }
    assert 5 in queue.queue_ids(office, queue.QueueQuery("2023-2024/S1/1", checks=queue.ATTENTION))
    assert 5 not in queue.queue_ids(office, queue.QueueQuery("2023-2024/S1/1", checks=queue.CLEAR))


def _pdf(folder):
    path = folder / "ordre.pdf"
    path.write_bytes(b"%PDF-1.4\n")
    return path


# --- the tab ------------------------------------------------------------------------------------------


def test_tab_opens_on_the_session_with_pending_requests(window) -> None:
    tab = window.requests_tab
    assert tab.current_session_key() == "2023-2024/S1/1"
    assert visible_ids(tab)[:1] == [1]
    assert tab.details is not None and tab.details.row.id == 1
    assert "En attente : 3" in tab.counts.text() and "Redirigée : 1" in tab.counts.text()
    assert "À traiter avant le dimanche 14 janvier 2024 à 23h59" in tab.due.text()
    assert "dépassé" in tab.due.text()  # today is long after January 2024
    pane = tab.pane.toPlainText()
    assert "Demande n° 1" in pane and "DUPONT Camille" in pane and "chevauchement confirmé" in pane
    assert (
        "NFA008 Intitulé de NFA008" in pane
        and "lundi 22 janvier 2024, 19h00–22h00, Amphi B" in pane
    )


def test_filters_in_the_tab(window, qtbot) -> None:
    tab = window.requests_tab
    tab.status_filter.setCurrentIndex(tab.status_filter.findData(RequestStatus.PENDING))
    assert visible_ids(tab) == [1, 2, 4]
    tab.late_filter.setChecked(True)
    assert visible_ids(tab) == [4]
    assert tab.details.row.id == 4
    assert "1 affichée" in tab.counts.text()
    tab.late_filter.setChecked(False)
    tab.search.setText("Nguyễn")
    qtbot.waitUntil(lambda: visible_ids(tab) == [2])


def test_menus_list_the_shortcuts(window) -> None:
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    assert list(menus)[-2:] == ["Demandes", "Aide"]
    entries = {
        a.text().replace("&", ""): a.shortcut().toString()
        for a in menus["Demandes"].actions()
        if a.text()
    }
    assert entries["Accepter…"] == "Ctrl+Shift+A"
    assert entries["Refuser…"] == "Ctrl+Shift+R"
    assert entries["Demander un complément…"] == "Ctrl+Shift+I"
    assert entries["Rediriger…"] == "Ctrl+Shift+H"
    assert entries["Enregistrer la décision"] == "Ctrl+Return"
    assert entries["Demande suivante"] == "Alt+Down" and entries["Demande précédente"] == "Alt+Up"
    files = [a.text().replace("&", "") for a in menus["Fichier"].actions()]
    assert files.index("Importer des demandes…") < files.index("Quitter")


def focused() -> object:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def test_review_three_requests_with_the_keyboard_only(window, qtbot, office) -> None:
    """Accept, refuse, then ask for more: no mouse, keys sent to whichever widget has the focus."""
    tab = window.requests_tab
    tab.table.setFocus()
    qtbot.waitUntil(lambda: tab.table.hasFocus())
    # Alt+Down then Alt+Up: move in the queue and come back to request 1.
    QTest.keyClick(focused(), Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert tab.details.row.id == 2
    QTest.keyClick(focused(), Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert tab.details.row.id == 1

    # 1. Accept: the arrangement is proposed (NFA008 right after NFA031); Ctrl+Return saves.
    QTest.keyClick(
        focused(),
        Qt.Key.Key_A,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert tab.decision.chosen() is review.Decision.ACCEPT
    assert focused() is tab.decision.accept_exam
    assert tab.decision.accept_exam.currentText() == "NFA008"
    QTest.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert queue.get_row(office, 1).status is RequestStatus.ACCEPTED
    # The next pending request opened by itself.
    assert tab.details.row.id == 2
    assert focused() is tab.table

    # 2. Refuse with the second reason of the list (Down in the reason list).
    QTest.keyClick(
        focused(),
        Qt.Key.Key_R,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert focused() is tab.decision.refuse_reason
    first = tab.decision.refuse_reason.currentIndex()
    QTest.keyClick(focused(), Qt.Key.Key_Down)
    assert tab.decision.refuse_reason.currentIndex() == first + 1
    QTest.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    refused = detail.request_details(office, 2)
    assert refused.row.status is RequestStatus.REFUSED
    assert refused.decision_reason == review.refusal_reasons(office)[first + 1]
    assert tab.details.row.id == 4

    # 3. Ask for more: type what is missing.
    QTest.keyClick(
        focused(),
        Qt.Key.Key_I,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert focused() is tab.decision.incomplete_missing
    QTest.keyClicks(focused(), "la convocation de l'UE NFP107")
    QTest.keyClick(
        focused(),
        Qt.Key.Key_Enter,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.KeypadModifier,
    )
    incomplete = detail.request_details(office, 4)
    assert incomplete.row.status is RequestStatus.INCOMPLETE
    assert incomplete.missing_items == "la convocation de l'UE NFP107"
    assert "En attente : 0" in tab.counts.text() and "Acceptée : 1" in tab.counts.text()
    # Nothing left to decide: the last decided request stays shown.
    assert tab.details.row.id == 4 and tab.details.row.status is RequestStatus.INCOMPLETE


def test_a_wrong_decision_is_said_in_the_panel(window) -> None:
    tab = window.requests_tab
    tab.choose_decision(review.Decision.ACCEPT)
    tab.decision.accept_room.clear()
    tab.save_decision()
    assert "Indiquez la salle" in tab.decision.error.text()
    assert queue.get_row(window.db, 1).status is RequestStatus.PENDING


def test_disability_request_offers_only_redirect(window) -> None:
    tab = window.requests_tab
    assert tab.select_request(3)
    buttons = tab.decision.buttons
    assert (
        not buttons[review.Decision.ACCEPT].isEnabled()
        and buttons[review.Decision.REDIRECT].isEnabled()
    )
    assert not tab.proof_button.isEnabled()
    assert "motif médical non conservé" in tab.pane.toPlainText()


def test_conflict_with_another_clerk(window, messages, database_url) -> None:
    tab = window.requests_tab
    other = open_database(database_url, clerk="marie.durand")
    review.decide(other, 1, "refuse", reason="2")
    other.dispose()
    tab.choose_decision(review.Decision.ACCEPT)
    tab.save_decision()
    assert messages[-1][0] == "Demande modifiée par ailleurs"
    assert "marie.durand" in messages[-1][1]
    # Nothing overwritten; the tab now shows the other clerk's decision.
    assert queue.get_row(window.db, 1).status is RequestStatus.REFUSED
    assert tab.details.row.status is RequestStatus.REFUSED and tab.details.row.version == 2


def test_change_after_printing_asks_for_a_reason(window, monkeypatch) -> None:
    tab = window.requests_tab
    tab.choose_decision(review.Decision.REFUSE)
    tab.decision.refuse_reason.setCurrentIndex(0)  # an on-time request: no reason is proposed
    tab.save_decision()
    with window.db.transaction() as s:
        now = dt.datetime.now(dt.UTC)
        s.add(
            Letter(
                request_id=1,
                reference="DA-1",
                decision=RequestStatus.REFUSED,
                generated_at=now,
                printed_at=now,
            )
        )
    assert tab.select_request(1)
    asked: list[str] = []
    answers = iter([None, "erreur de saisie"])

    def ask(_parent, message):
        asked.append(message)
        return next(answers)

    monkeypatch.setattr(request_dialogs, "ask_change_reason", ask)
    tab.choose_decision(review.Decision.REDIRECT)
    tab.save_decision()  # the clerk gives up
    assert queue.get_row(window.db, 1).status is RequestStatus.REFUSED
    assert tab.select_request(1)
    tab.choose_decision(review.Decision.REDIRECT)
    tab.save_decision()
    assert "imprimé" in asked[0]
    assert queue.get_row(window.db, 1).status is RequestStatus.REDIRECTED
    history = detail.request_details(window.db, 1).history
    assert history[-1].text.endswith("motif du changement : erreur de saisie")


def drop(qtbot, widget, path, position: QPointF | None = None) -> None:
    position = position or QPointF(10, 10)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(
        position,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, enter)
    event = QDropEvent(
        position,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, event)


def test_drop_a_proof_on_a_line_of_the_queue(window, qtbot, tmp_path) -> None:
    tab = window.requests_tab
    pdf = tmp_path / "ordre de mission.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%demo\n")
    proxy_row = visible_ids(tab).index(2)
    rect = tab.table.visualRect(tab.proxy.index(proxy_row, 1))
    drop(qtbot, tab.table.viewport(), pdf, QPointF(rect.center()))
    row = queue.get_row(window.db, 2)
    assert row.checks["proof"] == "present"
    assert tab.details.row.id == 2 and "ordre de mission.pdf" in tab.pane.toPlainText()
    assert tab.model.cache[2].checks["proof"] == "present"


def test_drop_a_wrong_proof_is_refused_clearly(window, qtbot, tmp_path, messages) -> None:
    tab = window.requests_tab
    fake = tmp_path / "photo.png"
    fake.write_bytes(b"not an image")
    drop(qtbot, tab.pane.viewport(), fake)
    assert messages and "photo.png" in messages[-1][1]


def test_open_a_proof(window, tmp_path, monkeypatch) -> None:
    tab = window.requests_tab
    pdf = tmp_path / "billet.pdf"
    pdf.write_bytes(b"%PDF-1.4\n")
    tab.attach_proof(2, pdf)
    opened: list[str] = []
    monkeypatch.setattr(requests_tab, "open_externally", opened.append)
    proof = tab.details.proofs[0]
    tab._open_link(QUrl(f"proof:{proof.id}"))
    assert opened and opened[0].endswith("billet.pdf")


def test_drop_an_export_opens_the_preview_and_imports(
    window, qtbot, tmp_path, monkeypatch, messages
) -> None:
    tab = window.requests_tab
    path = write_export(
        tmp_path / "nouvelles.xlsx",
        [
            answer(
                "100001",
                "Déplacement professionnel",
                "NFP107",
                response_id=7,
                trip_start="23/01/2024",
            )
        ],
    )
    seen: list[request_dialogs.RequestImportDialog] = []

    def run(dialog):
        seen.append(dialog)
        assert dialog.import_button.isEnabled()
        assert "1 demande ajoutée" in dialog.status.text()
        dialog.start_import()
        qtbot.waitUntil(lambda: dialog.report is not None, timeout=10_000)
        return dialog.result()

    monkeypatch.setattr(request_dialogs.RequestImportDialog, "exec", run)
    drop(qtbot, tab, path)
    assert seen and messages[-1][0] == "Import des demandes"
    assert len(tab.model.ids) == 5
    assert tab.details.row.kind is RequestKind.TRIP and tab.details.row.student_number == "100001"


def test_import_preview_lets_the_clerk_correct_the_mapping(qtbot, office, tmp_path) -> None:
    path = write_export(
        tmp_path / "f.xlsx",
        [answer("100004", response_id=11)],
        questions=["Q1", "Q2", "Q3", "Q4", "Motif", "Q6"],
    )
    export = exports.read_export(office, path)
    dialog = request_dialogs.RequestImportDialog(office, export)
    qtbot.addWidget(dialog)
    assert not dialog.import_button.isEnabled()
    assert "aucune colonne pour numéro d'auditeur" in dialog.status.text()
    model = dialog.model
    model.setData(model.index(0, 2), "student_number")
    model.setData(model.index(5, 2), "exams")
    assert dialog.import_button.isEnabled(), dialog.status.text()
    assert "1 demande ajoutée" in dialog.status.text()
    # The same answer twice in the database? Not yet: the preview wrote nothing.
    assert queue.list_requests(office) and len(queue.list_requests(office)) == 4
    dialog.session.setCurrentIndex(dialog.session.findData("2023-2024/S1/2"))
    dialog.start_import()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=10_000)
    assert dialog.report.added == 1
    assert len(queue.list_requests(office, "2023-2024/S1/2")) == 1
    assert exports.read_export(office, path).mapping_origin == "remembered"


def test_import_preview_lists_wrong_answers(qtbot, office, tmp_path) -> None:
    path = write_export(tmp_path / "f.xlsx", [answer(response_id=12), answer("", response_id=13)])
    dialog = request_dialogs.RequestImportDialog(office, exports.read_export(office, path))
    qtbot.addWidget(dialog)
    assert not dialog.import_button.isEnabled()
    assert "ligne 3, colonne G : numéro d'auditeur manquant" in dialog.problems.toPlainText()
    assert [name for name, _label in FIELD_CHOICES][1:] == list(columns.FIELD_NAMES)


def test_import_preview_flags_what_is_kept_as_typed(qtbot, office, tmp_path) -> None:
    """A typo in an UE code or a number without its zero is importable, and shown where it is."""
    path = write_export(
        tmp_path / "f.xlsx", [answer(response_id=12, ues="ZZZ999"), answer(100004, response_id=14)]  # type: ignore[arg-type]
    )
    dialog = request_dialogs.RequestImportDialog(office, exports.read_export(office, path))
    qtbot.addWidget(dialog)
    assert dialog.import_button.isEnabled(), dialog.status.text()
    assert "2 demandes ajoutées" in dialog.status.text() and "à vérifier" in dialog.status.text()
    assert "ligne 2, colonne L : UE inconnue : ZZZ999" in dialog.problems.toPlainText()
    assert dialog.problems.isVisibleTo(dialog)


def test_new_request_typed_at_the_desk(window, monkeypatch) -> None:
    tab = window.requests_tab

    def fill(dialog):
        dialog.number.setText("100001")
        dialog.source.setCurrentIndex(1)
        dialog.reason.setText("Déplacement professionnel au Maroc")
        dialog.codes.setText("NFP107")
        dialog.save()
        return dialog.result()

    monkeypatch.setattr(request_dialogs.NewRequestDialog, "exec", fill)
    tab.new_request()
    row = tab.details.row
    assert (
        row.kind is RequestKind.TRIP
        and row.source.value == "desk"
        and row.student_number == "100001"
    )
    assert row.id == 5 and len(tab.model.ids) == 5


def test_new_request_dialog_says_what_is_wrong(qtbot, office) -> None:
    dialog = request_dialogs.NewRequestDialog(office, "2023-2024/S1/1")
    qtbot.addWidget(dialog)
    dialog.save()
    assert "numéro d'auditeur" in dialog.error.text()
    assert dialog.result() != QDialog.DialogCode.Accepted


def test_refusal_reasons_dialog(qtbot, window, monkeypatch) -> None:
    def edit(dialog):
        dialog.editor.setPlainText("Motif A\nMotif B\n")
        dialog.save()
        return dialog.result()

    monkeypatch.setattr(request_dialogs.RefusalReasonsDialog, "exec", edit)
    window.requests_tab.edit_reasons()
    assert review.refusal_reasons(window.db) == ["Motif A", "Motif B"]
    combo = window.requests_tab.decision.refuse_reason
    assert [combo.itemText(i) for i in range(combo.count())] == ["Motif A", "Motif B"]


def test_letter_button_opens_the_letter_preview_when_it_exists(
    window, messages, monkeypatch
) -> None:
    import sys
    import types

    tab = window.requests_tab
    tab.open_letter()
    assert "Décidez d'abord" in messages[-1][1]
    tab.choose_decision(review.Decision.REFUSE)
    tab.decision.refuse_reason.setCurrentIndex(0)
    tab.save_decision()
    tab.select_request(1)
    assert tab.letter_button.isEnabled()
    opened: list[list[int]] = []

    class FakePreview:
        def __init__(self, db, request_ids, parent):
            opened.append(request_ids)

        def exec(self):
            return 0

    module = types.ModuleType("cnam_desk.ui.letter_preview")
    module.LetterPreviewDialog = FakePreview  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cnam_desk.ui.letter_preview", module)
    tab.open_letter()
    assert opened == [[1]]


def test_screenshot_of_the_tab(cli, office, tmp_path) -> None:
    out = tmp_path / "demandes.png"
    result = cli(
        "screenshot", "--tab", "demandes", "--out", str(out), env={"QT_QPA_PLATFORM": "offscreen"}
    )
    assert result.code == 0, result
    assert out.stat().st_size > 10_000


def test_letter_button_opens_the_real_letter_preview(window, monkeypatch) -> None:
    from cnam_desk.ui import letter_preview

    tab = window.requests_tab
    tab.choose_decision(review.Decision.REFUSE)
    tab.decision.refuse_reason.setCurrentIndex(0)
    tab.save_decision()
    tab.select_request(1)
    opened: list[list[int]] = []

    def fake_exec(dialog) -> int:
        opened.append(list(dialog._request_ids))
        return 0

    monkeypatch.setattr(letter_preview.LetterPreviewDialog, "exec", fake_exec)
    tab.open_letter()
    assert opened == [[1]]
