"""The dialog that settles a disagreement of the double entry: the first entry, the second, or the copy's grade."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from cnam_desk.grading import rules
from cnam_desk.grading.entry import GradeRow
from cnam_desk.grading.rules import GradeValue
from cnam_desk.ui import msgbox

ERROR_STYLE = "color: #b91c1c;"


class SettleDialog(QDialog):
    """Both entries side by side; the clerk picks the right one (or types the grade read on the copy)."""

    def __init__(self, row: GradeRow, ue_code: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.row = row
        self.chosen: GradeValue = None
        self.setWindowTitle("Trancher un désaccord de la double saisie")
        first, second = rules.grade_text(row.grade), rules.grade_text(row.second_entry)
        title = QLabel(f"<b>{row.name}</b> ({row.student_number}), {ue_code} : les deux saisies ne concordent pas.", self)
        title.setWordWrap(True)
        self.first_choice = QRadioButton(f"1re saisie : {first}" + (f" (par {row.entered_by})" if row.entered_by else ""), self)
        self.first_choice.setObjectName("settleFirst")
        self.second_choice = QRadioButton(f"2de saisie : {second}" + (f" (par {row.second_by})" if row.second_by else ""), self)
        self.second_choice.setObjectName("settleSecond")
        self.other_choice = QRadioButton("Autre note, lue sur la copie :", self)
        self.other_choice.setObjectName("settleOther")
        self.other = QLineEdit(self)
        self.other.setObjectName("settleOtherGrade")
        self.other.setPlaceholderText("12,5 · ABI · ABJ")
        self.other.textEdited.connect(lambda _text: self.other_choice.setChecked(True))
        group = QButtonGroup(self)
        for button in (self.first_choice, self.second_choice, self.other_choice):
            group.addButton(button)
        self.error = QLabel(self)
        self.error.setObjectName("settleError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        note = QLabel("La note choisie remplace les deux saisies ; l'historique de la note garde les deux valeurs, "
                      "qui a tranché et quand.", self)
        note.setWordWrap(True)
        buttons = msgbox.save_cancel(self, self.settle, save_text="Trancher", ok=True)
        self.settle_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        for widget in (self.first_choice, self.second_choice, self.other_choice, self.other, self.error, note, buttons):
            layout.addWidget(widget)

    def settle(self) -> None:
        """Accepted with `chosen` set, or an error said in the dialog (it stays open)."""
        if self.first_choice.isChecked():
            self.chosen = self.row.grade
        elif self.second_choice.isChecked():
            self.chosen = self.row.second_entry
        elif self.other_choice.isChecked():
            try:
                self.chosen = rules.read_grade(self.other.text())
            except rules.ParseError as error:
                self.error.setText(f"Note refusée : {error.message}.")
                return
            if self.chosen is None:
                self.error.setText("Tapez la note lue sur la copie (0 à 20, ABI ou ABJ).")
                return
        else:
            self.error.setText("Choisissez la bonne note : la 1re saisie, la 2de, ou celle de la copie.")
            return
        self.accept()
