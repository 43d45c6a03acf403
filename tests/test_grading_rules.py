"""The results rules at their edges: admitted, session 2, the UE result, the result code, reading a grade."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cnam_desk.db.models import GradeCode
from cnam_desk.grading import rules
from cnam_desk.grading.rules import ResultCode

ABI, ABJ = GradeCode.ABI, GradeCode.ABJ
D = Decimal


@pytest.mark.parametrize(
    ("grade", "admitted"),
    [(D("9.99"), False), (D("10"), True), (D("10.00"), True), (D("20"), True), (D("0"), False),
     (ABI, False), (ABJ, False), (None, False)],
)
def test_admitted_at_ten_or_more(grade, admitted) -> None:
    assert rules.is_admitted(grade) is admitted


@pytest.mark.parametrize(
    ("session1", "goes"),
    [(D("9.99"), True), (D("10"), False), (D("20"), False), (D("0"), True), (ABI, True), (ABJ, True), (None, True)],
)
def test_session2_is_for_the_absent_and_those_below_ten(session1, goes) -> None:
    assert rules.goes_to_session2(session1) is goes


@pytest.mark.parametrize(
    ("grade", "code"),
    [(D("9.99"), ResultCode.AJ), (D("10"), ResultCode.ADM), (D("20"), ResultCode.ADM), (D("0"), ResultCode.AJ),
     (ABI, ResultCode.ABI), (ABJ, ResultCode.ABJ), (None, None)],
)
def test_result_code(grade, code) -> None:
    assert rules.result_code(grade) == code


@pytest.mark.parametrize(
    ("session1", "session2", "plain", "best"),
    [
        (D("8"), D("11"), D("11"), D("11")),
        (D("9.99"), D("6"), D("6"), D("9.99")),  # sat session 2: its grade, unless best of two
        (D("8"), None, D("8"), D("8")),  # did not sit session 2
        (D("8"), ABI, D("8"), D("8")),  # absent from session 2: session 1 stands
        (D("8"), ABJ, D("8"), D("8")),
        (ABI, D("12"), D("12"), D("12")),
        (ABJ, D("0"), D("0"), D("0")),
        (None, D("10"), D("10"), D("10")),
        (ABI, ABJ, ABJ, ABJ),  # absent twice: the latest absence
        (ABJ, None, ABJ, ABJ),
        (None, None, None, None),
        (D("12"), None, D("12"), D("12")),
        (D("0"), D("20"), D("20"), D("20")),
    ],
)
def test_ue_result(session1, session2, plain, best) -> None:
    assert rules.ue_result(session1, session2) == plain
    assert rules.ue_result(session1, session2, best_of_two=True) == best


def test_rules_refuse_what_is_not_a_grade() -> None:
    for bad in (D("20.001"), D("20.01"), D("-0.01"), D("12.555"), D("NaN"), 12.5, "12"):
        with pytest.raises(ValueError):
            rules.result_code(bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            rules.is_admitted(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typed", "grade"),
    [("12,5", D("12.5")), ("12.5", D("12.5")), ("9,99", D("9.99")), ("10", D("10")), ("20", D("20")), ("0", D("0")),
     ("abi", ABI), ("ABJ", ABJ), (" Abi ", ABI), ("", None), (None, None), (12.5, D("12.5")), (20.0, D("20"))],
)
def test_reading_what_the_clerk_typed(typed, grade) -> None:
    assert rules.read_grade(typed) == grade


@pytest.mark.parametrize("typed", ["20.001", "20,01", "12,555", "-1", "21", "douze", "ABS", "1O", 20.001])
def test_reading_refuses_with_a_french_reason(typed) -> None:
    with pytest.raises(rules.ParseError) as caught:
        rules.read_grade(typed)
    assert caught.value.message
    assert any(word in caught.value.message for word in ("note", "décimales", "entre 0 et 20"))


def test_texts_and_tokens() -> None:
    assert rules.grade_text(D("12.50")) == "12,5"
    assert rules.grade_text(D("10.00")) == "10"
    assert rules.grade_text(D("9.99")) == "9,99"
    assert rules.grade_text(ABI) == "ABI"
    assert rules.grade_text(None) == ""
    for grade in (D("12.5"), D("10"), D("0"), ABI, ABJ, None):
        assert rules.from_token(rules.grade_token(grade)) == grade
    assert rules.json_grade(D("10.00")) == 10 and rules.json_grade(D("12.50")) == 12.5
    assert rules.json_grade(ABJ) == "ABJ" and rules.json_grade(None) is None
    assert rules.to_columns(ABI) == (None, ABI)
    assert rules.from_columns(D("12.5"), None) == D("12.5")
    assert rules.from_columns(None, "ABJ") == ABJ
