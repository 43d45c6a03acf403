"""The Résultats tab's double entry: typing the second entry blind, the disagreements in red, settling them."""

from __future__ import annotations

from cnam_desk.errors import EditConflict, RefusedInput
from cnam_desk.grading import double_entry, rules
from cnam_desk.grading.entry import ExamRef, GradeRow
from cnam_desk.grading.rules import GradeValue
from cnam_desk.ui.results_controller import GradeCommand
from cnam_desk.ui.results_models import GradeTableModel
from cnam_desk.ui.results_settle import SettleDialog

SECOND_MODE_TEXT = (
    "<b>Seconde saisie</b> : les notes de la première saisie sont masquées. Tapez la note de chaque copie puis "
    "Entrée ; les désaccords seront tranchés hors de ce mode."
)


class DoubleEntryController:
    """Mixed into ResultsTab with ResultsController: the second-entry mode, settling, the office setting."""

    # --- the mode ------------------------------------------------------------------------------

    @property
    def second_mode(self) -> bool:
        return self.model.second_mode

    def set_second_mode(self, on: bool) -> None:
        """Second entry: the first one's grades, results, statistics and history leave the screen."""
        if on == self.model.second_mode:
            return
        current = self.grid.currentIndex()
        self.undo_stack.clear()  # an undo never crosses from one entry to the other
        self.model.set_second_mode(on)
        for toggle in (self.second_action, self.second_button):
            toggle.blockSignals(True)
            toggle.setChecked(on)
            toggle.blockSignals(False)
        self.apply_entry_mode()
        if current.isValid():
            self.grid.setCurrentIndex(self.proxy.index(current.row(), self.model.entry_column))
        self.show_info("Seconde saisie : tapez les notes des copies." if on else "Retour à la saisie des notes.")
        self._current_changed()

    def apply_entry_mode(self) -> None:
        """Which columns and boxes show, for the mode and the exam shown."""
        on = self.model.second_mode
        rows = self.model.rows
        self.grid.entry_column = self.model.entry_column
        self.grid.setColumnHidden(GradeTableModel.GRADE, on)
        self.grid.setColumnHidden(GradeTableModel.RESULT, on)
        doubled = on or self.double_required or any(row.second_entry is not None for row in rows)
        self.grid.setColumnHidden(GradeTableModel.SECOND, not doubled)
        self.stats_box.setVisible(not on)
        self.history_box.setVisible(not on)
        self.second_banner.setVisible(on)
        self.refresh_disagreements()

    def refresh_disagreements(self) -> None:
        count = 0 if self.model.second_mode else sum(1 for row in self.model.rows if row.mismatch)
        self.disagreements.setVisible(bool(count))
        self.disagreements.setText(
            f"{count} désaccord(s) de la double saisie à trancher (en rouge) : clic droit > Trancher…" if count else ""
        )
        row = self.current_row()
        can_settle = not self.model.second_mode and row is not None and row.mismatch
        self.settle_action.setEnabled(can_settle)
        self.settle_button.setEnabled(can_settle)
        self.settle_button.setVisible(bool(count))

    # --- typing the second entry -------------------------------------------------------------

    def _second_edit_from_grid(self, row: GradeRow, grade: GradeValue) -> bool:
        text = f"2de saisie de {row.name} : {rules.grade_text(grade) or 'effacée'}"
        return self.save_second_values([(row.student_id, grade)], text)

    def save_second_values(self, values: list[tuple[int, GradeValue]], text: str) -> bool:
        """Save second entries of the shown exam (all or none) and put them on the undo stack."""
        if self.sheet is None:
            return False
        ref = self.sheet.ref
        before = {row.student_id: row for row in self.model.rows}
        edits = [double_entry.SecondEdit(sid, grade, before[sid].second_version if sid in before else None)
                 for sid, grade in values]
        if not self._write_second(ref, edits):
            return False
        changes = [(sid, before[sid].second_entry if sid in before else None, grade) for sid, grade in values]
        self.undo_stack.push(GradeCommand(self, ref, changes, text, "", second=True))
        self.show_info(f"Enregistré : {text}.")
        self._current_changed()
        return True

    def _write_second(self, ref: ExamRef, edits: list[double_entry.SecondEdit]) -> bool:
        try:
            rows = double_entry.save_second_entries(self.db, ref, edits)
        except (EditConflict, RefusedInput) as refused:
            self.show_error(str(refused))
            self.load()
            return False
        for row in rows:
            self.model.update_row(row)
        return True

    def apply_second_values(self, ref: ExamRef, values: list[tuple[int, GradeValue]]) -> bool:
        """Undo / redo of second entries, checked against the versions the window shows."""
        if self.sheet is None or self.sheet.ref != ref or not self.model.second_mode:
            return False
        versions = {row.student_id: row.second_version for row in self.model.rows}
        if not self._write_second(ref, [double_entry.SecondEdit(sid, grade, versions.get(sid)) for sid, grade in values]):
            return False
        self.show_info("Seconde(s) saisie(s) rétablie(s).")
        return True

    # --- settling --------------------------------------------------------------------------------

    def settle_current(self) -> None:
        """Trancher… on the current student: the dialog shows both entries; the one chosen becomes the grade."""
        row = self.current_row()
        if self.sheet is None or row is None or self.model.second_mode:
            return
        ref = self.sheet.ref
        row = double_entry.current_row(self.db, ref, row.student_id) or row  # who typed each entry, and fresh
        self.model.update_row(row)
        if not row.mismatch:
            self.show_error(f"Rien à trancher pour {row.name} : pas de désaccord entre les deux saisies.")
            self.refresh_disagreements()
            return
        dialog = SettleDialog(row, ref.ue_code, self)
        self.last_settle_dialog = dialog
        if dialog.exec() != SettleDialog.DialogCode.Accepted:
            return
        try:
            settled = double_entry.settle(self.db, ref, row.student_id, dialog.chosen)
        except (EditConflict, RefusedInput) as refused:
            self.show_error(str(refused))
            self.load()
            return
        self.undo_stack.clear()  # a settlement is not undone with Ctrl+Z: it is kept in the history
        self.model.update_row(settled)
        self.refresh_statistics()
        self._current_changed()
        self.show_info(
            f"Désaccord tranché pour {settled.name} : {rules.grade_text(settled.grade)} "
            f"(1re saisie {rules.grade_text(row.grade)}, 2de saisie {rules.grade_text(row.second_entry)})."
        )

    # --- the office setting ----------------------------------------------------------------------

    def _required_toggled(self, checked: bool) -> None:
        double_entry.set_required(self.db, checked)
        self.double_required = checked
        self.apply_entry_mode()
