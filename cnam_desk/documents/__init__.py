"""Every PDF the program prints: decision letters, attestations, attendance sheets (no Qt, no database)."""

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
    "Decision",
    "DecisionLetter",
    "ExamLine",
    "Letterhead",
    "esc",
    "render_letter",
    "render_letters",
]
