"""Decided requests made directly through the models, for the letter tests."""

from __future__ import annotations

import datetime as dt

from cnam_desk.db.engine import Database
from cnam_desk.db.models import (
    AccommodationRequest,
    Arrangement,
    CourseUnit,
    Exam,
    RequestedExam,
    RequestKind,
    RequestStatus,
    Student,
)
from cnam_desk.frenchdates import paris_instant
from cnam_desk.schedule import exam_calendar

SESSION = "2023-2024/S1/1"
OTHER_SESSION = "2023-2024/S1/2"


def seed_requests(db: Database) -> dict[str, int]:
    """Five requests of session 1 (four decided, one pending) and one of session 2; returns their ids."""
    with db.transaction() as s:
        session = exam_calendar.find_session(s, SESSION)
        other = exam_calendar.find_session(s, OTHER_SESSION)
        nfa = CourseUnit(code="NFA031", title="Programmation avec Java : notions de base", ects=6)
        nfp = CourseUnit(code="NFP107", title="Systèmes de gestion de bases de données", ects=6)
        s.add_all([nfa, nfp])
        exam_nfa = Exam(session=session, course_unit=nfa, centre="Paris", date=dt.date(2024, 1, 22),
                        start=dt.time(18), end=dt.time(21), room="Amphi Abbé-Grégoire")
        exam_nfp = Exam(session=session, course_unit=nfp, centre="Paris", date=dt.date(2024, 1, 22),
                        start=dt.time(18), end=dt.time(21), room="Salle 31.1.25")
        exam_other = Exam(session=other, course_unit=nfa, centre="Paris", date=dt.date(2024, 4, 8),
                          start=dt.time(9), end=dt.time(12), room="Salle 17.2.04")
        s.add_all([exam_nfa, exam_nfp, exam_other])
        students = {
            "zoe": Student(number="100023001", last_name="Lefèvre-Dupré", first_name="Zoë",
                           postal_address="12 rue des Écoles\n75005 Paris"),
            "lukasz": Student(number="100023002", last_name="Żółć", first_name="Łukasz",
                              postal_address="3 rue Oberkampf\nBâtiment B\n75011 Paris"),
            "nguyen": Student(number="100023003", last_name="Nguyễn", first_name="Thị Minh Khai",
                              postal_address="8 avenue Jean-Jaurès\n93100 Montreuil"),
            "ahmet": Student(number="100023004", last_name="Ağaoğlu", first_name="Ahmet",
                             postal_address="1 quai de la Loire\n75019 Paris"),
            "dupont": Student(number="100023005", last_name="Dupont <Admin> & Fils", first_name="Jean",
                              postal_address="5 rue <b>Oberkampf</b> & Cie\n75011 Paris"),
        }
        s.add_all(students.values())

        def request(key: str, status: RequestStatus, decided_day: int, **values) -> AccommodationRequest:
            student = students.get(key)
            row = AccommodationRequest(
                session=values.pop("session", session), student=student,
                student_number=student.number if student else values.pop("number", ""),
                last_name=student.last_name if student else values.pop("last", ""),
                first_name=student.first_name if student else values.pop("first", ""),
                kind=values.pop("kind", RequestKind.OVERLAP), status=status,
                received_at=paris_instant(dt.date(2024, 1, 5), dt.time(10)),
                decided_at=paris_instant(dt.date(2024, 1, decided_day), dt.time(11)) if status != RequestStatus.PENDING else None,
                decided_by="greffier.test" if status != RequestStatus.PENDING else None,
                **values,
            )
            s.add(row)
            return row

        accepted = request("zoe", RequestStatus.ACCEPTED, 10)
        accepted.exams = [RequestedExam(ue_code="NFA031", exam=exam_nfa), RequestedExam(ue_code="NFP107", exam=exam_nfp)]
        accepted.arrangements = [Arrangement(ue_code="NFP107", exam=exam_nfp, date=dt.date(2024, 1, 23),
                                             start=dt.time(18), end=dt.time(21), room="Salle 17.2.04")]
        refused = request("lukasz", RequestStatus.REFUSED, 9, decision_reason="Les deux épreuves n'ont pas lieu au même moment.",
                          decision_comment="Voir le planning publié.")
        refused.exams = [RequestedExam(ue_code="NFA031", exam=exam_nfa)]
        incomplete = request("nguyen", RequestStatus.INCOMPLETE, 11, kind=RequestKind.TRIP,
                             missing_items="Justificatif de déplacement signé par l'employeur\nDates du déplacement",
                             reply_by=dt.date(2024, 1, 15))
        incomplete.exams = [RequestedExam(ue_code="NFP107", exam=exam_nfp)]
        redirected = request("ahmet", RequestStatus.REDIRECTED, 8, kind=RequestKind.DISABILITY)
        redirected.exams = [RequestedExam(ue_code="NFA031", exam=exam_nfa), RequestedExam(ue_code="XYZ999")]
        pending = request("dupont", RequestStatus.PENDING, 0)
        unlinked = request("", RequestStatus.REFUSED, 12, number="100099999", last="O'Connor", first="Siobhan",
                           decision_reason="Demande reçue après la date limite.")
        other_session = request("zoe", RequestStatus.REFUSED, 12, session=other, decision_reason="Hors délai.")
        markup = request("dupont", RequestStatus.REFUSED, 13, session=other, decision_reason="Motif <i>x</i> & y")
        s.flush()
        return {
            "accepted": accepted.id, "refused": refused.id, "incomplete": incomplete.id, "redirected": redirected.id,
            "pending": pending.id, "unlinked": unlinked.id, "other_session": other_session.id, "markup": markup.id,
        }
