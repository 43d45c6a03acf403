"""Every PDF the program prints: decision letters, attestations, attendance sheets (no Qt, no database).

The names below are loaded on first use (PEP 562): importing the package, or one of its modules,
does not load every renderer and its share of reportlab.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Each exported name and the module that defines it.
_WHERE = {
    "AttendanceSheet": "attendance",
    "AttendanceStudent": "attendance",
    "render_attendance_sheets": "attendance",
    "M1Attestation": "attestations",
    "PassedUnit": "attestations",
    "SuccessAttestation": "attestations",
    "render_attestations": "attestations",
    "Letterhead": "common",
    "esc": "common",
    "ArrangementLine": "decision_letters",
    "Decision": "decision_letters",
    "DecisionLetter": "decision_letters",
    "ExamLine": "decision_letters",
    "render_letter": "decision_letters",
    "render_letters": "decision_letters",
}

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


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
