"""Every PDF the program prints: decision letters, attestations, attendance sheets (no Qt, no database)."""

from cnam_desk.documents.attendance import (
    AttendanceSheet,
    AttendanceStudent,
    render_attendance_sheets,
)
from cnam_desk.documents.attestations import (
    M1Attestation,
    PassedUnit,
    SuccessAttestation,
    render_attestations,
)
from cnam_desk.documents.common import Letterhead, esc
from cnam_desk.documents.decision_letters import (
    ArrangementLine,
    Decision,
    DecisionLetter,
    ExamLine,
    render_letter,
    render_letters,
)

__all__ = [
    "ArrangementLine",
    "AttendanceSheet",
    "AttendanceStudent",
    "Decision",
    "DecisionLetter",
    "ExamLine",
    "Letterhead",
    "M1Attestation",
    "PassedUnit",
    "SuccessAttestation",
    "esc",
    "render_attendance_sheets",
    "render_attestations",
    "render_letter",
    "render_letters",
]
