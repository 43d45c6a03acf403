"""The letter preview dialog: pages as they will print, Print and Save as PDF, with every dialog stubbed."""

from __future__ import annotations

import pytest
from letters_data import SESSION, seed_requests
from pdf_reading import page_texts

from cnam_desk import printing
from cnam_desk.errors import RefusedInput
from cnam_desk.requests import letter_files, letters
from cnam_desk.ui import letter_preview, msgbox
from cnam_desk.ui.letter_preview import LetterListModel, LetterPreviewDialog


@pytest.fixture
def ids(db) -> dict[str, int]:
    return seed_requests(db)


@pytest.fixture
def answers(monkeypatch):
    """Every dialog the clerk would answer, answered here; the messages are collected."""
    said: dict[str, list] = {"info": [], "error": [], "print_dialog": []}
    state = {"save_path": None, "printer_name": "Bureau-RDC", "confirm_print": True, "to_file": None}

    def print_dialog(printer, parent):
        said["print_dialog"].append(printer)
        if not state["confirm_print"]:
            return None
        return letter_preview.PrintChoice(printer, state["printer_name"], 1, state["to_file"])

    monkeypatch.setattr(letter_preview, "ask_print_dialog", print_dialog)
    monkeypatch.setattr(letter_preview, "ask_save_path", lambda parent, suggested: state["save_path"])
    monkeypatch.setattr(msgbox, "information", lambda parent, title, text: said["info"].append(text))
    monkeypatch.setattr(msgbox, "warning", lambda parent, title, text: said["error"].append(text))
    return said, state


def settle(qtbot, said, count: int) -> None:
    """Wait until the long work on the thread pool has told the clerk how it went."""
    qtbot.waitUntil(lambda: len(said["info"]) + len(said["error"]) >= count, timeout=20_000)


@pytest.fixture
def fake_print_service(monkeypatch):
    jobs: list[dict] = []

    def print_pdf(path, printer=None, title="Cnam Desk", copies=1):
        if printer == "Inconnue":
            raise RefusedInput("L'imprimante « Inconnue » est inconnue de ce poste. Imprimantes disponibles : Bureau-RDC.")
        jobs.append({"printer": printer, "title": title, "copies": copies, "texts": page_texts(path)})
        return f"{printer}-{len(jobs)}"

    monkeypatch.setattr(printing, "service_running", lambda: True)
    monkeypatch.setattr(printing, "print_pdf", print_pdf)
    return jobs


def summaries(db, ids, key):
    return {s.request_id: s for s in letters.letters_for_session(db, SESSION, pending_only=False)}[ids[key]]


def test_the_preview_shows_the_letters_as_they_will_print_and_records_nothing(qtbot, qtmodeltester, db, ids, answers):
    dialog = LetterPreviewDialog(db, [ids["refused"], ids["accepted"]])
    qtbot.addWidget(dialog)
    qtmodeltester.check(dialog.model)
    assert dialog.page_count() == 2
    assert "Łukasz Żółć" in dialog.document.getAllText(0).text()
    assert "Zoë Lefèvre-Dupré" in dialog.document.getAllText(1).text()
    assert dialog.model.rowCount() == 2
    assert dialog.model.data(dialog.model.index(0, LetterListModel.LAST_NAME)) == "Żółć"
    assert dialog.model.data(dialog.model.index(0, LetterListModel.PRINTED)) == "non"
    assert dialog.summary.text() == "2 courrier(s), 2 page(s)."
    assert summaries(db, ids, "refused").reference is None  # a preview is not a generation
    dialog.table.clicked.emit(dialog.model.index(1, 0))
    assert dialog.view.pageNavigator().currentPage() == 1


def test_print_sends_the_pdf_to_the_chosen_printer_and_records_it(qtbot, db, ids, answers, fake_print_service):
    said, _state = answers
    dialog = LetterPreviewDialog(db, [ids["accepted"]])
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.printed, timeout=20_000):
        qtbot.mouseClick(dialog.print_button, letter_preview.Qt.MouseButton.LeftButton)
    settle(qtbot, said, 1)
    assert len(fake_print_service) == 1
    job = fake_print_service[0]
    assert job["printer"] == "Bureau-RDC" and job["copies"] == 1
    assert job["title"].startswith("Courrier SE-")
    assert "Zoë Lefèvre-Dupré" in job["texts"][0]
    assert said["error"] == [] and "envoyé(s) à l'imprimante « Bureau-RDC » (travail Bureau-RDC-1)" in said["info"][0]
    summary = summaries(db, ids, "accepted")
    assert summary.print_count == 1 and summary.reference
    assert dialog.model.data(dialog.model.index(0, LetterListModel.PRINTED)).startswith("le ")
    # Reprinting is possible and counted.
    qtbot.mouseClick(dialog.print_button, letter_preview.Qt.MouseButton.LeftButton)
    settle(qtbot, said, 2)
    assert summaries(db, ids, "accepted").print_count == 2
    assert "(2 fois)" in dialog.model.data(dialog.model.index(0, LetterListModel.PRINTED))


def test_a_cancelled_or_refused_print_records_nothing(qtbot, db, ids, answers, fake_print_service):
    said, state = answers
    dialog = LetterPreviewDialog(db, [ids["accepted"]])
    qtbot.addWidget(dialog)
    state["confirm_print"] = False
    dialog.print_letters()
    assert fake_print_service == [] and said["info"] == [] and said["error"] == []
    state["confirm_print"] = True
    state["printer_name"] = "Inconnue"
    dialog.print_letters()
    settle(qtbot, said, 1)
    assert said["error"] == ["L'imprimante « Inconnue » est inconnue de ce poste. Imprimantes disponibles : Bureau-RDC."]
    assert summaries(db, ids, "accepted").print_count == 0


def test_save_as_pdf_writes_the_letters_and_generates_them(qtbot, db, ids, answers, tmp_path):
    said, state = answers
    dialog = LetterPreviewDialog(db, [ids["accepted"], ids["incomplete"]])
    qtbot.addWidget(dialog)
    state["save_path"] = str(tmp_path / "deux courriers.pdf")
    with qtbot.waitSignal(dialog.saved, timeout=20_000):
        qtbot.mouseClick(dialog.save_button, letter_preview.Qt.MouseButton.LeftButton)
    settle(qtbot, said, 1)
    texts = page_texts(state["save_path"])
    assert len(texts) == 2 and "Thị Minh Khai Nguyễn" in texts[1]
    assert said["info"] == [f"Courriers enregistrés dans « {state['save_path']} »."]
    summary = summaries(db, ids, "accepted")
    assert summary.reference and summary.print_count == 0
    state["save_path"] = None  # cancelled: nothing happens
    dialog.save_pdf()
    assert len(said["info"]) == 1


def test_print_to_file_in_the_print_dialog_saves_the_same_pdf(qtbot, db, ids, answers, fake_print_service, tmp_path):
    said, state = answers
    state["to_file"] = str(tmp_path / "imprime.pdf")
    dialog = LetterPreviewDialog(db, [ids["redirected"]])
    qtbot.addWidget(dialog)
    dialog.print_letters()
    settle(qtbot, said, 1)
    assert fake_print_service == []
    assert "Ahmet Ağaoğlu" in page_texts(state["to_file"])[0]


def test_the_session_batch_in_the_clerks_order_with_pending_only(qtbot, qtmodeltester, db, ids, answers, fake_print_service):
    dialog = LetterPreviewDialog(db, session_key=SESSION)
    qtbot.addWidget(dialog)
    qtmodeltester.check(dialog.model)
    names = lambda: [dialog.model.data(dialog.model.index(r, LetterListModel.LAST_NAME)) for r in range(dialog.model.rowCount())]
    assert names() == ["Ağaoğlu", "Lefèvre-Dupré", "Nguyễn", "O'Connor", "Żółć"]
    assert dialog.page_count() == 5
    assert "1 sans adresse postale" in dialog.summary.text()
    dialog.order.setCurrentIndex(dialog.order.findData("decision"))
    assert names() == ["Lefèvre-Dupré", "O'Connor", "Żółć", "Nguyễn", "Ağaoğlu"]
    assert "Zoë Lefèvre-Dupré" in dialog.document.getAllText(0).text()
    said, _state = answers
    dialog.print_letters()
    settle(qtbot, said, 1)
    assert len(fake_print_service) == 1 and len(fake_print_service[0]["texts"]) == 5  # one print job
    assert dialog.model.rowCount() == 0 and dialog.summary.text() == "Aucun courrier à imprimer."
    assert not dialog.print_button.isEnabled()
    dialog.pending.setChecked(False)
    assert dialog.model.rowCount() == 5 and dialog.print_button.isEnabled()


def test_an_undecided_request_shows_why_instead_of_a_preview(qtbot, db, ids, answers):
    dialog = LetterPreviewDialog(db, [ids["pending"]])
    qtbot.addWidget(dialog)
    assert dialog.model.rowCount() == 0 and dialog.page_count() == 0
    assert "n'est pas encore décidée" in dialog.summary.text()
    assert not dialog.print_button.isEnabled() and not dialog.save_button.isEnabled()


def test_pages_can_be_painted_on_a_printer_without_print_service(qtbot, db, ids, tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    path = tmp_path / "source.pdf"
    letter_files.render_for_requests(db, [ids["accepted"], ids["refused"]], path, persist=False)
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "peint.pdf"))
    assert letter_preview.paint_pages(printer, path.read_bytes()) == 2
    assert len(page_texts(tmp_path / "peint.pdf")) == 2


def test_the_main_window_opens_the_session_batch_and_the_letterhead(qtbot, db, ids, monkeypatch):
    from cnam_desk.ui.letterhead_dialog import LetterheadDialog
    from cnam_desk.ui.main_window import MainWindow

    opened: list[object] = []
    monkeypatch.setattr(LetterPreviewDialog, "exec", lambda self: opened.append(self) or 0)
    monkeypatch.setattr(LetterheadDialog, "exec", lambda self: opened.append(self) or 0)
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.calendar_tab.select_session(SESSION)
    window.letters_action.trigger()
    assert isinstance(opened[0], LetterPreviewDialog) and opened[0].session_key == SESSION
    assert opened[0].model.rowCount() == 5
    letterhead = next(a for a in window.edit_menu.actions() if a.text().startswith("En-tête"))
    letterhead.trigger()
    assert isinstance(opened[1], LetterheadDialog)
