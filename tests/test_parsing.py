"""Value parsers: every way clerks write dates, times, durations and grades, and what is refused."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnam_desk.db.models import GradeCode
from cnam_desk.frenchdates import long_date
from cnam_desk.parsing import (
    ParseError,
    excel_serial_date,
    parse_date,
    parse_duration,
    parse_grade,
    parse_text,
    parse_time,
    parse_time_range,
)

JAN22 = dt.date(2024, 1, 22)


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "value",
    [
        "22/01/2024",
        "22/01/24",
        "22-01-2024",
        "22.01.2024",
        "2024-01-22",
        "lundi 22 janvier 2024",
        "Lundi 22 Janvier 2024",
        "LUNDI 22 JANVIER 2024",
        "22 janvier 2024",
        "22 janv. 2024",
        "22 janv 2024",
        "  22   janvier\t2024  ",
        "lundi, 22 janvier 2024",
        "le lundi 22 janvier 2024",
        "22 / 01 / 2024",
        "22/1/2024",
        "22/01/2024 00:00:00",
        "2024-01-22T00:00:00",
        "\u00a022/01/2024\u00a0",
        JAN22,
        dt.datetime(2024, 1, 22, 18, 30),
        45313,
        45313.0,
        45313.75,
    ],
)
def test_parse_date_accepts_what_clerks_write(value):
    assert parse_date(value) == JAN22


@pytest.mark.parametrize(
    "value, expected",
    [
        ("1er février 2024", dt.date(2024, 2, 1)),
        ("1ER FEVRIER 2024", dt.date(2024, 2, 1)),
        ("jeudi 1er février 2024", dt.date(2024, 2, 1)),
        ("1 févr. 2024", dt.date(2024, 2, 1)),
        ("15 août 2024", dt.date(2024, 8, 15)),
        ("15 aout 2024", dt.date(2024, 8, 15)),
        ("9 sept. 2024", dt.date(2024, 9, 9)),
        ("3 décembre 2023", dt.date(2023, 12, 3)),
        ("29/02/2024", dt.date(2024, 2, 29)),
        ("01/01/99", dt.date(1999, 1, 1)),
        (1, dt.date(1900, 1, 1)),
        (61, dt.date(1900, 3, 1)),
    ],
)
def test_parse_date_variants(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value, message",
    [
        ("32/01/2024", "date « 32/01/2024 » invalide"),
        ("29/02/2023", "date « 29/02/2023 » invalide"),
        ("22/13/2024", "date « 22/13/2024 » invalide"),
        ("22 brumaire 2024", "date « 22 brumaire 2024 » invalide"),
        ("mardi 22 janvier 2024", "est un lundi"),
        ("demain", "date « demain » invalide"),
        ("22/01", "date « 22/01 » invalide"),
        ("", "date manquante"),
        ("   ", "date manquante"),
        (None, "date manquante"),
        (True, "invalide"),
        (0, "invalide"),
        (-5, "invalide"),
        (float("nan"), "invalide"),
        (float("inf"), "invalide"),
        (1e12, "invalide"),
        (dt.time(18, 0), "invalide"),
    ],
)
def test_parse_date_refuses(value, message):
    with pytest.raises(ParseError) as caught:
        parse_date(value)
    assert message in caught.value.message
    assert str(caught.value) == caught.value.message
    assert isinstance(caught.value, ValueError)


def test_excel_serial_dates():
    assert excel_serial_date(45313) == JAN22
    assert excel_serial_date(2958465) == dt.date(9999, 12, 31)


# --------------------------------------------------------------------------- times


@pytest.mark.parametrize(
    "value, expected",
    [
        ("18h", dt.time(18)),
        ("18h00", dt.time(18)),
        ("18H30", dt.time(18, 30)),
        ("18:00", dt.time(18)),
        ("18 h 30", dt.time(18, 30)),
        ("18:00:00", dt.time(18)),
        ("18:30:15", dt.time(18, 30, 15)),
        ("9h", dt.time(9)),
        ("09h05", dt.time(9, 5)),
        ("0h00", dt.time(0)),
        ("23h59", dt.time(23, 59)),
        ("18 heures", dt.time(18)),
        ("18h30 min", dt.time(18, 30)),
        ("18", dt.time(18)),
        (dt.time(18, 30), dt.time(18, 30)),
        (dt.datetime(2024, 1, 22, 18, 30), dt.time(18, 30)),
        (dt.timedelta(hours=18, minutes=30), dt.time(18, 30)),
        (0.75, dt.time(18)),
        (0.7708333333333334, dt.time(18, 30)),
        (0.770833, dt.time(18, 30)),
        (0, dt.time(0)),
        (18, dt.time(18)),
        (18.0, dt.time(18)),
    ],
)
def test_parse_time_accepts(value, expected):
    assert parse_time(value) == expected


@pytest.mark.parametrize(
    "value, message",
    [
        ("24h", "les heures vont de 0 à 23"),
        ("24:00", "les heures vont de 0 à 23"),
        ("25h30", "les heures vont de 0 à 23"),
        ("18h60", "les minutes vont de 0 à 59"),
        ("18:75", "les minutes vont de 0 à 59"),
        ("18:00:60", "les minutes vont de 0 à 59"),
        ("18h5", "invalide"),
        ("midi", "heure « midi » invalide"),
        ("18:", "invalide"),
        ("", "heure manquante"),
        (None, "heure manquante"),
        (24, "les heures vont de 0 à 23"),
        (18.5, "invalide"),
        (-0.5, "invalide"),
        (0.9999999, "les heures vont de 0 à 23"),
        (dt.timedelta(hours=25), "les heures vont de 0 à 23"),
        (dt.timedelta(hours=-1), "les heures vont de 0 à 23"),
        (float("nan"), "invalide"),
        (True, "invalide"),
        (JAN22, "invalide"),
    ],
)
def test_parse_time_refuses(value, message):
    with pytest.raises(ParseError) as caught:
        parse_time(value)
    assert message in caught.value.message


@pytest.mark.parametrize(
    "value, expected",
    [
        ("18h00 - 21h00", (dt.time(18), dt.time(21))),
        ("18h-21h", (dt.time(18), dt.time(21))),
        ("18:00 à 21:00", (dt.time(18), dt.time(21))),
        ("18:00 a 21:00", (dt.time(18), dt.time(21))),
        ("de 18h à 21h", (dt.time(18), dt.time(21))),
        ("De 18h à 21h", (dt.time(18), dt.time(21))),
        ("18h00–21h00", (dt.time(18), dt.time(21))),
        ("18h00 — 21h00", (dt.time(18), dt.time(21))),
        ("18 h 30 / 21 h 30", (dt.time(18, 30), dt.time(21, 30))),
        ("de 9h jusqu’à 12h", (dt.time(9), dt.time(12))),
        ("entre 9h et 12h".replace(" et ", " - "), (dt.time(9), dt.time(12))),
        ((dt.time(18), "21h"), (dt.time(18), dt.time(21))),
    ],
)
def test_parse_time_range_accepts(value, expected):
    assert parse_time_range(value) == expected


@pytest.mark.parametrize(
    "value, message",
    [
        ("21h - 18h", "la fin doit suivre le début"),
        ("18h - 18h", "la fin doit suivre le début"),
        ("18h", "horaire « 18h » invalide"),
        ("18h - 21h - 22h", "invalide"),
        ("18h - 25h", "invalide"),
        ("18h -", "invalide"),
        ("", "horaire manquant"),
        (None, "horaire manquant"),
        (0.75, "invalide"),
    ],
)
def test_parse_time_range_refuses(value, message):
    with pytest.raises(ParseError) as caught:
        parse_time_range(value)
    assert message in caught.value.message


# --------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    "value, expected",
    [
        ("3h", dt.timedelta(hours=3)),
        ("3h00", dt.timedelta(hours=3)),
        ("3 H", dt.timedelta(hours=3)),
        ("1h30", dt.timedelta(hours=1, minutes=30)),
        ("1 h 30", dt.timedelta(hours=1, minutes=30)),
        ("1h30min", dt.timedelta(hours=1, minutes=30)),
        ("2 heures", dt.timedelta(hours=2)),
        ("90 min", dt.timedelta(minutes=90)),
        ("90min", dt.timedelta(minutes=90)),
        ("45 minutes", dt.timedelta(minutes=45)),
        ("1:30", dt.timedelta(hours=1, minutes=30)),
        ("3", dt.timedelta(hours=3)),
        ("1,5", dt.timedelta(hours=1, minutes=30)),
        ("1.5", dt.timedelta(hours=1, minutes=30)),
        (3, dt.timedelta(hours=3)),
        (3.0, dt.timedelta(hours=3)),
        (1.5, dt.timedelta(hours=1, minutes=30)),
        (dt.time(3, 0), dt.timedelta(hours=3)),
        (dt.timedelta(hours=2, minutes=15), dt.timedelta(hours=2, minutes=15)),
    ],
)
def test_parse_duration_accepts(value, expected):
    assert parse_duration(value) == expected


@pytest.mark.parametrize(
    "value, message",
    [
        ("0h", "une durée est positive"),
        (0, "une durée est positive"),
        (-2, "une durée est positive"),
        ("25h", "plus de 24 heures"),
        (dt.timedelta(days=2), "plus de 24 heures"),
        ("1h75", "les minutes vont de 0 à 59"),
        ("trois heures", "durée « trois heures » invalide"),
        ("", "durée manquante"),
        (None, "durée manquante"),
        (float("inf"), "invalide"),
        (True, "invalide"),
    ],
)
def test_parse_duration_refuses(value, message):
    with pytest.raises(ParseError) as caught:
        parse_duration(value)
    assert message in caught.value.message


# --------------------------------------------------------------------------- grades


@pytest.mark.parametrize(
    "value, expected",
    [
        ("12,5", Decimal("12.5")),
        ("12.5", Decimal("12.5")),
        (12.5, Decimal("12.5")),
        ("  15 ", Decimal(15)),
        ("15", Decimal(15)),
        (15, Decimal(15)),
        (15.0, Decimal(15)),
        ("0", Decimal(0)),
        ("20", Decimal(20)),
        ("20,00", Decimal("20.00")),
        ("12,50", Decimal("12.50")),
        ("12,500", Decimal("12.50")),
        ("12,25", Decimal("12.25")),
        (",5", Decimal("0.5")),
        ("12,5/20", Decimal("12.5")),
        ("12,5 / 20", Decimal("12.5")),
        ("1 2,5", Decimal("12.5")),
        (12.499999999, Decimal("12.5")),
        (12.499999999999998, Decimal("12.5")),
        (12.350000000000001, Decimal("12.35")),
        (0.1 + 0.2, Decimal("0.3")),
        (-0.0, Decimal(0)),
        (Decimal("13.75"), Decimal("13.75")),
        ("abi", GradeCode.ABI),
        ("ABI", GradeCode.ABI),
        ("Abi", GradeCode.ABI),
        (" abi ", GradeCode.ABI),
        ("abj", GradeCode.ABJ),
        ("ABJ", GradeCode.ABJ),
        (GradeCode.ABJ, GradeCode.ABJ),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_parse_grade_accepts(value, expected):
    grade = parse_grade(value)
    assert grade == expected
    assert type(grade) is type(expected)
    if isinstance(expected, Decimal):
        assert str(grade) == str(expected)  # quantised to what was given


@pytest.mark.parametrize(
    "value, message",
    [
        ("20,001", "20,001 : une note est comprise entre 0 et 20"),
        (20.001, "20,001 : une note est comprise entre 0 et 20"),
        ("21", "21 : une note est comprise entre 0 et 20"),
        ("-1", "-1 : une note est comprise entre 0 et 20"),
        (-0.5, "-0,5 : une note est comprise entre 0 et 20"),
        (-3, "-3 : une note est comprise entre 0 et 20"),
        ("12,555", "12,555 : deux décimales au plus"),
        (12.555, "12,555 : deux décimales au plus"),
        (12.4999, "12,4999 : deux décimales au plus"),
        (Decimal("12.555"), "12,555 : deux décimales au plus"),
        ("douze", "note « douze » invalide"),
        ("12,5,5", "invalide"),
        ("1e1", "invalide"),
        ("abs", "invalide"),
        ("nan", "invalide"),
        (float("nan"), "ce n’est pas un nombre"),
        (float("inf"), "ce n’est pas un nombre"),
        (float("-inf"), "ce n’est pas un nombre"),
        (Decimal("NaN"), "ce n’est pas un nombre"),
        (True, "invalide"),
        (JAN22, "invalide"),
    ],
)
def test_parse_grade_refuses(value, message):
    with pytest.raises(ParseError) as caught:
        parse_grade(value)
    assert message in caught.value.message


# --------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, ""),
        ("", ""),
        (12.0, "12"),
        (12, "12"),
        (12.5, "12.5"),
        (1234567.0, "1234567"),
        ("  NFA031  ", "NFA031"),
        ("Jean  \t Pierre\nMartin", "Jean Pierre Martin"),
        ("a\x00b\x07c", "abc"),
        ("\ufeffNFA031\u200b", "NFA031"),
        ("12\u00a0rue", "12 rue"),
        ("Łukasz", "Łukasz"),
        ("Nguyễn", "Nguyễn"),
        ("Nguye\u0302\u0303n", "Nguyễn"),  # decomposed input comes out composed
        ("王小明", "王小明"),
        ("Ἀθῆναι", "Ἀθῆναι"),
        ("محمد", "محمد"),
        (True, "VRAI"),
        (dt.date(2024, 1, 22), "22/01/2024"),
        (dt.datetime(2024, 1, 22, 18, 30), "22/01/2024 18:30"),
        (dt.time(18, 30), "18:30"),
        (float("nan"), ""),
    ],
)
def test_parse_text(value, expected):
    assert parse_text(value) == expected


# --------------------------------------------------------------------------- properties

ANY_CELL = st.one_of(
    st.none(),
    st.text(),
    st.text(alphabet="0123456789/.-:,hHàa éèjanvierfévmsdlu"),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.timedeltas(),
)


@settings(max_examples=400, deadline=None)
@given(ANY_CELL)
def test_parsers_return_a_value_or_a_parse_error(value):
    for parser in (
        parse_date,
        parse_time,
        parse_time_range,
        parse_duration,
        parse_grade,
        parse_text,
    ):
        try:
            parser(value)
        except ParseError as error:
            assert error.message and "\n" not in error.message
            assert len(error.message) < 300


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_text_is_clean(value):
    text = parse_text(value)
    assert text == text.strip()
    assert "  " not in text
    assert text.isprintable()
    assert parse_text(text) == text


MONTHS_SHORT = [
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
]


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_dates_written_the_french_ways_round_trip(day):
    writings = [
        day.strftime("%d/%m/%Y"),
        day.strftime("%d-%m-%Y"),
        day.strftime("%d.%m.%Y"),
        day.isoformat(),
        long_date(day),
        long_date(day, weekday=False),
        long_date(day).upper(),
        f"{day.day} {MONTHS_SHORT[day.month - 1]} {day.year}",
        datetime_serial(day),
    ]
    if 1969 <= day.year <= 2068:
        writings.append(day.strftime("%d/%m/%y"))
    for writing in writings:
        assert parse_date(writing) == day, writing


def datetime_serial(day: dt.date) -> float:
    return float((day - dt.date(1899, 12, 30)).days)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 23), st.integers(0, 59))
def test_times_written_the_french_ways_round_trip(hours, minutes):
    time = dt.time(hours, minutes)
    writings = [
        f"{hours}h{minutes:02d}",
        f"{hours:02d}h{minutes:02d}",
        f"{hours}H{minutes:02d}",
        f"{hours} h {minutes:02d}",
        f"{hours:02d}:{minutes:02d}",
        f"{hours:02d}:{minutes:02d}:00",
        (hours * 60 + minutes) / 1440,
        time,
    ]
    if minutes == 0:
        writings += [f"{hours}h", f"{hours} h"]
    for writing in writings:
        assert parse_time(writing) == time, writing


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 22 * 60), st.integers(1, 120))
def test_time_ranges_round_trip(start_minutes, length):
    start = dt.time(start_minutes // 60, start_minutes % 60)
    end_minutes = min(start_minutes + length, 23 * 60 + 59)
    end = dt.time(end_minutes // 60, end_minutes % 60)
    for pattern in (
        "{}h{:02d} - {}h{:02d}",
        "de {}h{:02d} à {}h{:02d}",
        "{}h{:02d}–{}h{:02d}",
        "{}:{:02d} / {}:{:02d}",
    ):
        text = pattern.format(start.hour, start.minute, end.hour, end.minute)
        assert parse_time_range(text) == (start, end), text


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 24 * 60))
def test_durations_round_trip(minutes):
    duration = dt.timedelta(minutes=minutes)
    hours, rest = divmod(minutes, 60)
    writings = [f"{minutes} min", duration]
    if hours < 24:
        writings.append(f"{hours}h{rest:02d}")
    if rest == 0:
        writings += [f"{hours}h", hours]
    for writing in writings:
        assert parse_duration(writing) == duration, writing


@settings(max_examples=500, deadline=None)
@given(st.integers(0, 2000))
def test_grades_round_trip(hundredths):
    grade = Decimal(hundredths) / 100
    french = f"{grade:.2f}".replace(".", ",")
    assert parse_grade(french) == grade
    assert parse_grade(french.replace(",", ".")) == grade
    assert parse_grade(hundredths / 100) == grade  # as a spreadsheet float
    assert parse_grade(f" {french} ") == grade


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=0, max_value=20))
def test_float_grades_are_two_decimals_or_refused(value):
    try:
        grade = parse_grade(value)
    except ParseError as error:
        assert "deux décimales au plus" in error.message
        assert not math.isclose(value, round(value, 2), rel_tol=0, abs_tol=1e-10)
    else:
        assert isinstance(grade, Decimal)
        assert -grade.as_tuple().exponent <= 2
        assert abs(float(grade) - value) <= 1.01e-9


def test_parse_text_drops_format_characters():
    # Invisible format characters (annotation anchors, soft hyphens) never reach the database.
    assert parse_text("Du\ufff9pont\u00ad") == "Dupont"
