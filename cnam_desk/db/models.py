"""The office's data: typed SQLAlchemy models for the whole exam-office domain.

The tables live in sibling modules by subject; every model is named here, so
`from cnam_desk.db.models import X` and the migrations see them all.
"""

from __future__ import annotations

from cnam_desk.db.models_base import (
    NAMING,
    Base,
    UTCDateTime,
    Versioned,
)
from cnam_desk.db.models_grading import (
    GRADE_CHANGE_ENTRY,
    GRADE_CHANGE_SETTLEMENT,
    Attestation,
    AttestationKind,
    Grade,
    GradeChange,
    GradeCode,
    Programme,
    ProgrammeUnit,
    Publication,
    SecondEntry,
)
from cnam_desk.db.models_office import (
    AuditEvent,
    Clerk,
    OfficeSetting,
)
from cnam_desk.db.models_requests import (
    AccommodationRequest,
    Arrangement,
    FormMapping,
    Letter,
    Proof,
    RefusalReason,
    RequestedExam,
    RequestEvent,
    RequestKind,
    RequestReceipt,
    RequestSource,
    RequestStatus,
)
from cnam_desk.db.models_school import (
    AcademicYear,
    CourseUnit,
    Enrolment,
    Exam,
    ExamSession,
    Semester,
    Student,
)

__all__ = [
    "GRADE_CHANGE_ENTRY",
    "GRADE_CHANGE_SETTLEMENT",
    "NAMING",
    "AcademicYear",
    "AccommodationRequest",
    "Arrangement",
    "Attestation",
    "AttestationKind",
    "AuditEvent",
    "Base",
    "Clerk",
    "CourseUnit",
    "Enrolment",
    "Exam",
    "ExamSession",
    "FormMapping",
    "Grade",
    "GradeChange",
    "GradeCode",
    "Letter",
    "OfficeSetting",
    "Programme",
    "ProgrammeUnit",
    "Proof",
    "Publication",
    "RefusalReason",
    "RequestEvent",
    "RequestKind",
    "RequestReceipt",
    "RequestSource",
    "RequestStatus",
    "RequestedExam",
    "SecondEntry",
    "Semester",
    "Student",
    "UTCDateTime",
    "Versioned",
]
