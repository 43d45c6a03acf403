"""The actions of the Résultats tab: what happens on each one, through the services in cnam_desk.grading."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from PySide6.QtGui import (
    QGuiApplication,
    QUndoCommand,
)
from PySide6.QtWidgets import (
    QLineEdit,
)

from cnam_desk import paths
from cnam_desk.errors import RefusedInput
from cnam_desk.grading import entry, importing, rules
from cnam_desk.grading.entry import ExamRef, GradeConflict, GradeEdit, GradeRow
from cnam_desk.grading.rules import GradeValue
from cnam_desk.ui import msgbox, tasks
from cnam_desk.ui.results_dialogs import ImportPreviewDialog, M1Dialog, ProgrammesDialog
from cnam_desk.ui.results_models import ROW_ROLE
from cnam_desk.ui.units_dialog import UnitsDialog

ERROR_STYLE = "color: #b91c1c;"
OK_STYLE = "color: #15803d;"


class GradeCommand(QUndoCommand):
    """Grades saved together (one entry or one paste); undo saves the old values back."""

    def __init__(
        self, tab: Any, ref: ExamRef, changes: list[tuple[int, GradeValue, GradeValue]], text: str, reason: str, *,
        second: bool = False,
    ):
        super().__init__(text)
        self.tab = tab
        self.ref = ref
        self.changes = changes
        self.reason = reason
        self.second = second  # second entries (double entry), not grades
        self._saved = True  # pushed once saved: the first redo has nothing to do

    def _apply(self, values: list[tuple[int, GradeValue]], reason: str) -> bool:
        if self.second:
            return self.tab.apply_second_values(self.ref, values)
        return self.tab.apply_values(self.ref, values, reason)

    def redo(self) -> None:
        if self._saved:
            self._saved = False
            return
        reason = self.reason or "rétablissement de la saisie"
        if not self._apply([(sid, new) for sid, _old, new in self.changes], reason):
            self.setObsolete(True)

    def undo(self) -> None:
        reason = "annulation de la saisie" + (f" ({self.reason})" if self.reason else "")
        if not self._apply([(sid, old) for sid, old, _new in self.changes], reason):
            self.setObsolete(True)



class ResultsController:
    """What the Résultats tab does on each action: saving, undo, paste, publication, files and attestations.

    Mixed into ResultsTab, which builds the widgets these methods read and write.
    """

    def show_error(self, text: str) -> None:
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(text)

    def show_info(self, text: str) -> None:
        self.message.setStyleSheet(OK_STYLE)
        self.message.setText(text)

    def _reason(self) -> str:
        return self.reason.text().strip() if self.sheet and self.sheet.published else ""

    def _edit_from_grid(self, row: GradeRow, grade: GradeValue) -> bool:
        return self.save_edits([(row.student_id, grade)], f"Note de {row.name} : {rules.grade_text(grade) or 'effacée'}")

    def save_edits(self, values: list[tuple[int, GradeValue]], text: str) -> bool:
        """Save grades of the shown exam (all or none) and put them on the undo stack."""
        if self.model.second_mode:
            return self.save_second_values(values, text)
        if self.sheet is None:
            return False
        ref = self.sheet.ref
        before = {row.student_id: row for row in self.model.rows}
        reason = self._reason()
        edits = [GradeEdit(sid, grade, before[sid].version if sid in before else None) for sid, grade in values]
        try:
            rows = entry.save_grades(self.db, ref, edits, reason=reason)
        except GradeConflict as conflict:
            if conflict.current is not None:
                self.model.update_row(conflict.current)
            else:
                self.load()
            self.show_error(str(conflict))
            return False
        except RefusedInput as refused:
            self.show_error(str(refused))
            self._refresh_publication()
            return False
        for row in rows:
            self.model.update_row(row)
        changes = [(sid, before[sid].grade if sid in before else None, grade) for sid, grade in values]
        self.undo_stack.push(GradeCommand(self, ref, changes, text, reason))
        self.show_info(f"Enregistré : {text}.")
        self.refresh_statistics()
        self._current_changed()
        self.apply_entry_mode()
        return True

    def apply_values(self, ref: ExamRef, values: list[tuple[int, GradeValue]], reason: str) -> bool:
        """Undo / redo: save these values back, checked against the versions the window shows."""
        showing = self.sheet is not None and self.sheet.ref == ref
        if showing:
            versions = {row.student_id: row.version for row in self.model.rows}
        else:
            versions = {row.student_id: row.version for row in entry.load_sheet(self.db, ref).rows}
        published = entry.load_sheet(self.db, ref).published if not showing else self.sheet.published  # type: ignore[union-attr]
        try:
            rows = entry.save_grades(
                self.db, ref, [GradeEdit(sid, grade, versions.get(sid)) for sid, grade in values],
                reason=reason if published else "",
            )
        except RefusedInput as refused:
            self.show_error(f"{refused} (annulation impossible)")
            if showing:
                self.load()
            return False
        if showing:
            for row in rows:
                self.model.update_row(row)
            self.refresh_statistics()
            self._current_changed()
        self.show_info("Note(s) rétablie(s).")
        return True

    def undo(self) -> None:
        """Ctrl+Z: in a text field, its own undo; elsewhere the last grade saved."""
        focus = QGuiApplication.focusObject()
        if isinstance(focus, QLineEdit):
            focus.undo()
        else:
            self.undo_stack.undo()

    def redo(self) -> None:
        focus = QGuiApplication.focusObject()
        if isinstance(focus, QLineEdit):
            focus.redo()
        else:
            self.undo_stack.redo()

    def clear_current(self) -> None:
        row = self.current_row()
        if row is None:
            return
        if self.model.second_mode:
            if row.second_entry is not None:
                self.save_second_values([(row.student_id, None)], f"2de saisie de {row.name} effacée")
        elif row.grade is not None:
            self.save_edits([(row.student_id, None)], f"Note de {row.name} effacée")

    def paste(self) -> None:
        """A column of grades copied from a spreadsheet, from the current student down: all saved, or none."""
        focus = QGuiApplication.focusObject()
        if isinstance(focus, QLineEdit):
            focus.paste()  # typing in a field: an ordinary paste
            return
        if self.sheet is None:
            return
        text = QGuiApplication.clipboard().text()
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        while lines and not lines[-1].strip():
            lines.pop()
        if not lines:
            self.show_error("Collage refusé : le presse-papiers ne contient pas de notes.")
            return
        start = self.grid.currentIndex().row() if self.grid.currentIndex().isValid() else 0
        if start + len(lines) > self.proxy.rowCount():
            self.show_error(
                f"Collage refusé, rien n'a été enregistré : {len(lines)} note(s) collée(s) mais "
                f"{self.proxy.rowCount() - start} auditeur(s) à partir de la ligne choisie."
            )
            return
        values = []
        for offset, line in enumerate(lines):
            cell = line.split("\t")[0]
            try:
                grade = rules.read_grade(cell)
            except rules.ParseError as error:
                self.show_error(f"Collage refusé, rien n'a été enregistré : ligne {offset + 1} du collage : {error.message}.")
                return
            row = self.proxy.index(start + offset, 0).data(ROW_ROLE)
            values.append((row.student_id, grade))
        if self.save_edits(values, f"Collage de {len(values)} note(s)"):
            last = self.proxy.index(start + len(values) - 1, self.model.entry_column)
            self.grid.setCurrentIndex(last)

    def _best_toggled(self, checked: bool) -> None:
        entry.set_best_of_two(self.db, checked)
        self.load()

    # --- files --------------------------------------------------------------------------------

    def ask_open_path(self, title: str, filters: str) -> str:
        return str(msgbox.open_file(self, title, filters) or "")

    def ask_save_path(self, title: str, suggested: str, filters: str) -> str:
        return str(msgbox.save_file(self, title, suggested, filters) or "")

    def ask_folder(self, title: str) -> str:
        return str(msgbox.directory(self, title) or "")

    def run_job(self, title: str, work: Callable[[], Iterator[Any]], on_done: Callable[[Any], None]) -> None:
        def failed(error: BaseException) -> None:
            """Cancelled or refused: said under the grid (anything else goes to the common dialog)."""
            self.show_error(tasks.CANCELLED_TEXT if isinstance(error, tasks.Cancelled) else str(error))

        tasks.run_with_progress(self, title, work, on_done, failed, pool=self.pool)

    def import_file(self, path: str | Path | None = None) -> None:
        """Preview a grades file, then save it whole on confirmation."""
        if self.sheet is None:
            return
        if path is None:
            path = self.ask_open_path("Importer des notes", "Tableurs (*.xlsx *.xlsm *.xls *.xlsb *.ods)")
            if not path:
                return
        ref = self.sheet.ref
        second = self.model.second_mode

        def previewed(preview: importing.GradeImportPreview) -> None:
            dialog = ImportPreviewDialog(preview, self)
            self.last_import_dialog = dialog
            if dialog.exec() != ImportPreviewDialog.DialogCode.Accepted:
                self.show_info("Import abandonné : rien n'a été enregistré.")
                return
            self.run_job("Enregistrement des notes", lambda: importing.apply_steps(self.db, preview), saved)

        def saved(count: int) -> None:
            self.undo_stack.clear()  # an import is not undone note by note
            self.load()
            what = "seconde(s) saisie(s)" if second else "note(s)"
            self.show_info(f"Import de « {Path(path).name} » : {count} {what} enregistrée(s).")

        self.run_job(
            "Lecture des notes",
            # A file with an UE column imports every UE it names; otherwise it is for the exam shown.
            lambda: importing.preview_steps(self.db, path, ref.session_key, ref.ue_code, exam_is_default=True,
                                            second_entry=second),
            previewed,
        )

    def grade_sheet(self) -> None:
        """The teacher's sheet of the exam shown: its students, a Note column to fill, read back by the import."""
        if self.sheet is None:
            return
        ref = self.sheet.ref
        name = paths.safe_file_name(f"notes-{ref.ue_code}-{msgbox.session_name(ref.session_key)}.xlsx")
        path = self.ask_save_path("Feuille de notes de l'épreuve", name, "Classeur Excel (*.xlsx)")
        if not path:
            return
        db = self.db

        def work() -> Iterator[tasks.Progress]:
            yield tasks.Progress(0, 1, f"Feuille de notes de {ref.ue_code}…")
            from cnam_desk.grading import grade_sheet  # deferred: openpyxl, when a sheet is written

            return grade_sheet.write_grade_sheet(db, ref.session_key, ref.ue_code, path)

        self.run_job(
            "Feuille de notes", work,
            lambda written: self.show_info(
                f"Feuille de notes de {written.ue_code} ({written.students} auditeur(s)) écrite dans {written.path}. "
                "Une fois remplie par l'enseignant, importez-la : elle est reconnue sans choisir l'épreuve."
            ),
        )

    def export_results(self) -> None:
        key = self.session_key()
        if not key:
            return
        path = self.ask_save_path(
            "Exporter les résultats publiés", f"resultats-{msgbox.session_name(key)}.xlsx", "Classeur Excel (*.xlsx)"
        )
        if not path:
            return
        from cnam_desk.grading import export  # deferred: openpyxl, when the results are exported

        self.run_job(
            "Export des résultats", lambda: export.export_steps(self.db, key, path),
            lambda summary: self.show_info(f"{summary.rows} résultat(s) publiés écrits dans {summary.path}."),
        )

    # --- attestations --------------------------------------------------------------------------

    def _year(self) -> str | None:
        key = self.session_key()
        return key.split("/")[0] if key else None

    def preview_attestation(
        self, title: str, pdf: Callable[[], bytes], save: Callable[[], None], write: Callable[[Path], object]
    ) -> None:
        """The attestations' pages first (nothing recorded), then print, save or close."""
        # deferred on purpose: QtPdf loads when a preview opens
        from cnam_desk.ui.pdf_preview import AttestationPreviewDialog

        def work() -> Iterator[Any]:
            # A year's batch is hundreds of pages: drawn off the main thread.
            yield tasks.Progress(0, 0, f"Préparation de l'aperçu : {title}…")
            return pdf()

        def opened(data: bytes) -> None:
            dialog = AttestationPreviewDialog(title, data, self, save=save, write=write)
            dialog.pool = self.pool
            self.last_attestation_preview = dialog
            dialog.exec()

        self.run_job(f"Aperçu : {title}", work, opened)

    def success_attestation(self) -> None:
        row, year = self.current_row(), self._year()
        if row is None or year is None:
            return
        from cnam_desk.grading import paper  # deferred: reportlab, when attestations are written

        number = row.student_number

        def save() -> None:
            path = self.ask_save_path(
                "Attestation de réussite", paths.safe_file_name(f"attestation-reussite-{number}-{row.last_name}-{year}.pdf"),
                "PDF (*.pdf)",
            )
            if not path:
                return
            self.run_job(
                "Attestation de réussite",
                lambda: paper.success_steps(self.db, year, path, number),
                lambda paths: self.show_info(f"Attestation de réussite de {row.name} écrite : {paths[0]}."),
            )

        self.preview_attestation(
            "Attestation de réussite", lambda: paper.success_pdf(self.db, year, number), save,
            lambda path: paper.write_success(self.db, year, path, number),
        )

    def all_success_attestations(self) -> None:
        year = self._year()
        if year is None:
            return
        from cnam_desk.grading import paper  # deferred: reportlab, when attestations are written


        def save() -> None:
            folder = self.ask_folder(f"Dossier des attestations de réussite {year}")
            if not folder:
                return
            self.run_job(
                "Attestations de réussite",
                lambda: paper.success_steps(self.db, year, folder),
                lambda paths: self.show_info(f"{len(paths)} attestation(s) de réussite écrite(s) dans {folder}."),
            )

        self.preview_attestation(
            f"Attestations de réussite {year}", lambda: paper.success_pdf(self.db, year), save,
            lambda path: paper.write_success(self.db, year, path),
        )

    def m1_attestation(self) -> None:
        row, year = self.current_row(), self._year()
        if row is None or year is None:
            return
        dialog = M1Dialog(self.db, row.student_number, year, self)
        self.last_m1_dialog = dialog
        dialog.exec()
        if dialog.written:
            self.show_info(f"Attestation de M1 de {row.name} écrite : {dialog.written}.")

    def edit_programmes(self) -> None:
        dialog = ProgrammesDialog(self.db, self)
        self.last_programmes_dialog = dialog
        dialog.exec()

    def edit_units(self) -> None:
        dialog = UnitsDialog(self.db, self)
        self.last_units_dialog = dialog
        dialog.exec()

