"""Publishing an exam's grades from the Résultats tab: what is missing said first, the absent marked ABI."""

from __future__ import annotations

from cnam_desk.errors import RefusedInput
from cnam_desk.grading import absences, entry
from cnam_desk.grading.sheet import UnitChoice
from cnam_desk.ui import msgbox


class PublishingController:
    """Publication, « Marquer les autres ABI… » and the « Sans note seulement » filter.

    Mixed into ResultsTab, which builds the widgets these methods read and write.
    """

    def publish(self) -> None:
        if self.sheet is None or self.sheet.published:
            return
        ref = self.sheet.ref
        # The refusal publish would give, said under the grid instead of asking (the grid may lag
        # behind another clerk: the database is asked, not the rows shown).
        refused = entry.publication_refusal(self.db, ref)
        if refused is not None:
            self.show_error(f"{refused} Rien n'a été publié.")
            return
        stats = entry.grade_statistics(row.grade for row in self.model.rows)
        if not msgbox.question(
            self,
            "Publier les notes",
            f"Publier les notes de {ref.ue_code} – {ref.ue_title} (session {ref.session_key}) : "
            f"{stats.entered} note(s), dont {stats.absent} absence(s) ?\n\n"
            "Elles paraîtront sur le portail des auditeurs et seront verrouillées : "
            "toute modification demandera ensuite un motif.",
        ):
            return
        try:
            info = entry.publish(self.db, ref)
        except RefusedInput as error:
            self.show_error(str(error))
            return
        self.load()
        self.refresh_exam_list()
        self.show_info(f"Notes de {ref.ue_code} {info.text}.")

    def mark_others_absent(self) -> None:
        """Every student still without a grade gets ABI, after a confirmation naming the exam and the count."""
        if self.sheet is None or self.sheet.published:
            return
        ref = self.sheet.ref
        missing = absences.without_grade(self.db, ref)
        if not missing:
            self.show_info(f"Tous les auditeurs de {ref.ue_code} ont une note : personne à marquer absent.")
            return
        if not msgbox.question(
            self,
            "Marquer les autres ABI",
            f"Marquer {len(missing)} auditeur(s) sans note de {ref.ue_code} – {ref.ue_title} "
            f"(session {ref.session_key}) absent(s) non justifié(s) (ABI) ?\n\n"
            "Seules les notes vides sont remplies : aucune note saisie n'est remplacée.",
        ):
            return
        try:
            marking = absences.mark_others_absent(self.db, ref, expected=len(missing))
        except RefusedInput as error:
            self.load()
            self.show_error(str(error))
            return
        self.undo_stack.clear()  # marked in one change, not undone note by note
        self.load()
        self.refresh_exam_list()
        self.show_info(f"{marking.count} auditeur(s) de {ref.ue_code} marqué(s) ABI.")

    def refresh_exam_list(self) -> None:
        """The exam list's texts (grades entered out of enrolled, published) follow the grades."""
        key = self.session_key()
        if not key:
            return
        choices = {choice.code: choice for choice in entry.unit_choices(self.db, key)}
        for index in range(self.unit_combo.count()):
            choice = choices.get(self.unit_combo.itemData(index))
            if choice is not None:
                self.unit_combo.setItemText(index, exam_text(choice))


    def show_exam_progress(self, entered: int, enrolled: int) -> None:
        """The shown exam's line in the list, from the grid (no query at each grade typed)."""
        index = self.unit_combo.currentIndex()
        if self.sheet is None or index < 0 or self.unit_combo.itemData(index) != self.sheet.ref.ue_code:
            return
        choice = UnitChoice(self.sheet.ref.ue_code, self.sheet.ref.ue_title, entered, enrolled, self.sheet.published)
        self.unit_combo.setItemText(index, exam_text(choice))


def exam_text(choice: UnitChoice) -> str:
    return f"{choice.label} ({choice.progress_text})"
