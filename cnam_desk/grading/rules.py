"""The office's results rules, one function each: admitted, session 2, the UE result, the result code."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any

from cnam_desk.db.models import GradeCode
from cnam_desk.parsing import ParseError, parse_grade

# A grade as the rules see it: a mark out of 20, ABI / ABJ, or None when nothing was entered.
GradeValue = Decimal | GradeCode | None

PASS_MARK = Decimal(10)
MAX_GRADE = Decimal(20)
_HUNDREDTH = Decimal("0.01")


class ResultCode(enum.StrEnum):
    """What the student portal shows for an UE."""

    ADM = "ADM"  # admis
    AJ = "AJ"  # ajourné
    ABI = "ABI"  # absent, no justification
    ABJ = "ABJ"  # absent, justified

    @property
    def label(self) -> str:
        return {
            ResultCode.ADM: "admis",
            ResultCode.AJ: "ajourné",
            ResultCode.ABI: "absent non justifié",
            ResultCode.ABJ: "absent justifié",
        }[self]


_ABSENCE_RESULTS = {GradeCode.ABI: ResultCode.ABI, GradeCode.ABJ: ResultCode.ABJ}


def checked(grade: GradeValue) -> GradeValue:
    """The grade itself, or ValueError if it is not one the office can hold (0-20, two decimals)."""
    if grade is None or grade.__class__ is GradeCode:
        return grade
    if grade.__class__ is not Decimal or not grade.is_finite():
        raise ValueError(f"not a grade: {grade!r}")
    if grade < 0 or grade > MAX_GRADE:
        raise ValueError(f"not a grade: {grade!r}")
    # Grades read from the database carry two decimals: the cheap test first.
    if grade.as_tuple().exponent < -2 and grade != grade.quantize(_HUNDREDTH):
        raise ValueError(f"not a grade: {grade!r}")
    return grade


def read_grade(value: Any) -> GradeValue:
    """What a clerk typed or a cell holds, as a grade; ParseError (French reason) when it is not one."""
    return parse_grade(value)


def is_admitted(grade: GradeValue) -> bool:
    """Admitted ("admis") at 10/20 or more."""
    grade = checked(grade)
    return isinstance(grade, Decimal) and grade >= PASS_MARK


def is_absent(grade: GradeValue) -> bool:
    """ABI or ABJ."""
    return isinstance(checked(grade), GradeCode)


def goes_to_session2(session1: GradeValue) -> bool:
    """Session 2 is for those absent from session 1 (ABI, ABJ or no grade) or below 10/20."""
    return not is_admitted(session1)


def sat_session(grade: GradeValue) -> bool:
    """A mark means the student sat the exam; ABI / ABJ or nothing means they did not."""
    return isinstance(checked(grade), Decimal)


def ue_result(session1: GradeValue, session2: GradeValue, *, best_of_two: bool = False) -> GradeValue:
    """The UE's grade: the session 2 one when the student sat session 2, else the session 1 one.

    With the office setting "best of the two", a student who sat both keeps the higher mark.
    A student absent from both keeps the latest absence (ABI / ABJ of session 2).
    """
    session1, session2 = checked(session1), checked(session2)
    if sat_session(session2):
        if best_of_two and sat_session(session1):
            return max(session1, session2)  # type: ignore[type-var]
        return session2
    if sat_session(session1):
        return session1
    return session2 if session2 is not None else session1


def result_code(grade: GradeValue) -> ResultCode | None:
    """ADM from 10/20, AJ below, ABI / ABJ for the absences; None while nothing is entered."""
    grade = checked(grade)
    if grade is None:
        return None
    if grade.__class__ is GradeCode:
        return _ABSENCE_RESULTS[grade]  # type: ignore[index]
    return ResultCode.ADM if grade >= PASS_MARK else ResultCode.AJ  # type: ignore[operator]


def entries_disagree(first: GradeValue, second: GradeValue) -> bool:
    """Double entry: both entries typed and not the same grade (ABI / ABJ as codes, marks as numbers: 12,5 = 12.50)."""
    if first is None or second is None:
        return False
    if isinstance(first, GradeCode) or isinstance(second, GradeCode):
        return not (isinstance(first, GradeCode) and isinstance(second, GradeCode) and first == second)
    return Decimal(first) != Decimal(second)


# --- how grades are written -------------------------------------------------------------------


def grade_text(grade: GradeValue) -> str:
    """As the clerk reads it: « 12,5 », « 10 », « 9,99 », « ABI »; empty when missing."""
    if grade is None:
        return ""
    if isinstance(grade, GradeCode):
        return grade.value
    text = f"{grade.normalize():f}" if grade != grade.to_integral() else str(int(grade))
    return text.replace(".", ",")


def grade_token(grade: GradeValue) -> str | None:
    """As the history keeps it: « 12.5 », « ABI », None when missing."""
    if grade is None:
        return None
    if isinstance(grade, GradeCode):
        return grade.value
    return grade_text(grade).replace(",", ".")


def from_token(token: str | None) -> GradeValue:
    """The reverse of grade_token."""
    if token is None or token == "":
        return None
    if token in (GradeCode.ABI.value, GradeCode.ABJ.value):
        return GradeCode(token)
    return Decimal(token)


def from_columns(value: Decimal | None, code: GradeCode | str | None) -> GradeValue:
    """A grade row's two columns as one value."""
    if code is not None:
        return GradeCode(code)
    if value is None:
        return None
    if value.__class__ is Decimal:
        return value  # Numeric(4, 2): two decimals already
    return Decimal(value).quantize(_HUNDREDTH)


def to_columns(grade: GradeValue) -> tuple[Decimal | None, GradeCode | None]:
    """One value as a grade row's (value, code) columns."""
    if isinstance(grade, GradeCode):
        return None, grade
    return grade, None


def json_grade(grade: GradeValue) -> float | int | str | None:
    """For --json: a number, "ABI", "ABJ" or null."""
    if grade is None:
        return None
    if isinstance(grade, GradeCode):
        return grade.value
    return int(grade) if grade == grade.to_integral() else float(grade)


__all__ = [
    "GradeValue",
    "ParseError",
    "ResultCode",
    "checked",
    "entries_disagree",
    "from_columns",
    "from_token",
    "goes_to_session2",
    "grade_text",
    "grade_token",
    "is_absent",
    "is_admitted",
    "json_grade",
    "read_grade",
    "result_code",
    "sat_session",
    "to_columns",
    "ue_result",
]
