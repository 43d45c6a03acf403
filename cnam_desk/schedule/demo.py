"""The demo year's schedule: UEs, students with enrolments and each session's exams.

Deterministic and idempotent: a second run finds everything in place and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata

from sqlalchemy import select

from cnam_desk.db.engine import Database
from cnam_desk.db.models import CourseUnit, Enrolment, Exam, ExamSession, Student
from cnam_desk.schedule import exam_calendar

DEMO_YEAR = "2023-2024"

# (code, title, semester, ECTS)
COURSE_UNITS: list[tuple[str, str, int, int]] = [
    ("NFA031", "Programmation avec Java : notions de base", 1, 6),
    ("NFA032", "Programmation avec Java : programmation objet", 2, 6),
    ("NFA035", "Bibliothèques et patterns pour les applications Java", 2, 6),
    ("NFA008", "Bases de données", 1, 6),
    ("NFA011", "Développement d'applications avec les bases de données", 2, 6),
    ("NFP107", "Systèmes de gestion de bases de données", 1, 6),
    ("NFP121", "Programmation avancée", 2, 6),
    ("NFP136", "Algorithmique des graphes", 1, 6),
    ("NFE108", "Méthodologies des systèmes d'information", 2, 6),
    ("NFE114", "Systèmes d'information web", 1, 6),
    ("NSY103", "Linux : principes et programmation", 1, 6),
    ("NSY104", "Architectures des systèmes informatiques", 2, 6),
    ("NSY115", "Conduite d'un projet informatique", 2, 6),
    ("RSX101", "Réseaux et protocoles pour l'Internet", 1, 6),
    ("RSX102", "Technologies pour les applications en réseau", 2, 6),
    ("SEC101", "Cybersécurité : référentiel, objectifs et déploiement", 1, 6),
    ("SEC102", "Menaces informatiques et codes malveillants", 2, 6),
    ("MVA101", "Analyse et calcul matriciel", 1, 6),
    ("MVA105", "Mathématiques pour l'informatique", 2, 6),
    ("STA001", "Statistique descriptive", 1, 4),
    ("STA102", "Analyse des données : méthodes descriptives", 2, 6),
    ("CFA109", "Comptabilité et gestion de l'entreprise", 1, 6),
    ("CFA110", "Comptabilité approfondie", 2, 6),
    ("DRA001", "Droit du travail : relations individuelles", 1, 6),
    ("DRA002", "Droit du travail : relations collectives", 2, 6),
    ("DRS101", "Droit des affaires", 1, 6),
    ("ESC101", "Mercatique I : les études de marché", 1, 6),
    ("ESC102", "Mercatique II : stratégie marketing", 2, 6),
    ("GDN100", "Management de l'entreprise", 1, 6),
    ("FPG114", "Gestion des ressources humaines", 2, 6),
    ("ANG320", "Anglais professionnel", 1, 4),
    ("ANG330", "Anglais : communication écrite", 2, 4),
    ("US331H", "Économie générale", 1, 6),
    ("ECO102", "Microéconomie", 2, 6),
    ("TET102", "Travail, emploi, formation", 1, 6),
    ("PSY101", "Psychologie du travail", 2, 6),
    ("CCE104", "Communication écrite et orale", 1, 4),
    ("ENG210", "Mécanique des structures", 2, 6),
    ("UTC501", "Outils mathématiques pour l'informatique", 1, 6),
    ("UTC505", "Introduction à la cyberstructure de l'internet", 2, 6),
]

LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
    "Morel", "Girard", "André", "Lefèbvre", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez",
    "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas",
    "Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin",
    "N'Diaye", "Diallo", "Nguyễn", "Benali", "O'Connor", "Lefèvre-Dupré", "Da Silva", "Saint-Martin",
    "Łukasiewicz", "Ağaoğlu", "Müller-Kühn", "D'Angelo", "Le Goff", "Béranger", "Kowalczyk", "Traoré",
]
FIRST_NAMES = [
    "Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Julie", "Émilie", "Zoë", "Hélène", "Anaïs",
    "Marie-Claire", "Aïcha", "Fatoumata", "Thị Minh", "Agnieszka", "Lucas", "Hugo", "Louis", "Gabriel",
    "Jules", "Arthur", "Théo", "Nathan", "Raphaël", "Noé", "Jean-Baptiste", "François", "Jérôme", "Loïc",
    "Mehdi", "Karim", "Youssef", "Mamadou", "Łukasz", "Mustafa", "Benoît", "Grégoire", "Cédric", "Anne-Sophie",
]
STREETS = [
    "rue Saint-Martin", "boulevard Voltaire", "avenue de la République", "rue de Rivoli", "rue Oberkampf",
    "rue du Faubourg-Saint-Denis", "avenue Jean-Jaurès", "rue des Écoles", "quai de la Loire", "rue Mouffetard",
]
TOWNS = [
    ("75003", "Paris"), ("75011", "Paris"), ("75019", "Paris"), ("93100", "Montreuil"), ("92130", "Issy-les-Moulineaux"),
    ("94300", "Vincennes"), ("93200", "Saint-Denis"), ("92100", "Boulogne-Billancourt"), ("91300", "Massy"),
]
ROOMS = ["Amphi Abbé-Grégoire", "Amphi Paul-Painlevé", "Salle 31.1.25", "Salle 17.2.04", "Salle 33.0.12", "Salle 11.B.05"]
CENTRES = ["Paris"]
SLOTS = [(dt.time(9, 0), dt.time(12, 0)), (dt.time(14, 0), dt.time(17, 0)), (dt.time(18, 0), dt.time(21, 0))]
STUDENT_COUNT = 300



def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.replace("Ł", "L").replace("ł", "l"))
    return "".join(c for c in plain if c.isalnum() and c.isascii()).lower()


def demo_students(count: int = STUDENT_COUNT) -> list[dict[str, str]]:
    rng = random.Random(2024)
    students = []
    for index in range(count):
        last = rng.choice(LAST_NAMES)
        first = rng.choice(FIRST_NAMES)
        postcode, town = rng.choice(TOWNS)
        students.append(
            {
                "number": f"1{index + 23000:07d}",
                "last_name": last,
                "first_name": first,
                "email": f"{_ascii(first)}.{_ascii(last)}{index}@exemple.fr",
                "postal_address": f"{rng.randint(1, 180)} {rng.choice(STREETS)}\n{postcode} {town}",
            }
        )
    return students


def _exam_days(session: ExamSession) -> list[dt.date]:
    days = []
    day = session.first_day
    while day <= session.last_day:
        if day.weekday() < 6:  # Monday to Saturday
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def fill_schedule(db: Database) -> dict[str, int]:
    """Fill the database with the demo year; returns how many rows were added."""
    added = {"course_units": 0, "students": 0, "enrolments": 0, "exams": 0}
    rng = random.Random(1794)  # the school's founding year: same data every time
    with db.transaction() as s:
        year = exam_calendar.find_year(s, DEMO_YEAR)
        units = {u.code: u for u in s.scalars(select(CourseUnit))}
        for code, title, _semester, ects in COURSE_UNITS:
            if code not in units:
                units[code] = CourseUnit(code=code, title=title, ects=ects)
                s.add(units[code])
                added["course_units"] += 1
        students = {st.number: st for st in s.scalars(select(Student))}
        for row in demo_students():
            if row["number"] not in students:
                students[row["number"]] = Student(**row)
                s.add(students[row["number"]])
                added["students"] += 1
        s.flush()
        enrolled = set(
            s.execute(select(Enrolment.student_id, Enrolment.course_unit_id).where(Enrolment.year_id == year.id)).all()
        )
        codes = [code for code, *_ in COURSE_UNITS]
        for row in demo_students():
            student = students[row["number"]]
            for code in rng.sample(codes, rng.randint(2, 5)):
                key = (student.id, units[code].id)
                if key not in enrolled:
                    s.add(Enrolment(student=student, course_unit=units[code], year=year))
                    enrolled.add(key)
                    added["enrolments"] += 1
        existing = set(s.execute(select(Exam.session_id, Exam.course_unit_id, Exam.centre)).all())
        for semester in year.semesters:
            semester_codes = [code for code, _t, number, _e in COURSE_UNITS if number == semester.number]
            for session in semester.sessions:
                days = _exam_days(session)
                for index, code in enumerate(semester_codes):
                    # Pairs of UEs share a slot, so some students have overlapping exams.
                    day = days[(index // 2) % len(days)]
                    start, end = SLOTS[(index // 2) % len(SLOTS)]
                    key = (session.id, units[code].id, CENTRES[0])
                    if key in existing:
                        continue
                    s.add(
                        Exam(
                            session=session, course_unit=units[code], centre=CENTRES[0], date=day,
                            start=start, end=end, room=ROOMS[index % len(ROOMS)],
                        )
                    )
                    existing.add(key)
                    added["exams"] += 1
    return added

