"""The dashboard and the student's file as readable French text (the command line without --json)."""

from __future__ import annotations

from cnam_desk import frenchdates
from cnam_desk.dashboard import Dashboard
from cnam_desk.grading import rules
from cnam_desk.requests.labels import KIND_LABELS, STATUS_LABELS
from cnam_desk.schedule.exam_calendar import SessionState
from cnam_desk.student_file import ExamLine, RequestLine, StudentFile


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count <= 1 else (words or word + 's')}"


def slot_text(day, start, end, room: str) -> str:  # type: ignore[no-untyped-def]
    where = f", {room}" if room else ""
    return f"{frenchdates.long_date(day)}, {frenchdates.hour(start)}-{frenchdates.hour(end)}{where}"


def exam_text(line: ExamLine) -> str:
    text = f"{line.ue} ({line.session}) : {slot_text(line.date, line.start, line.end, line.room)}"
    if line.arrangement is not None:
        text += " ; aménagement accordé : " + slot_text(*line.arrangement)
    return text


def request_text(line: RequestLine) -> str:
    status = STATUS_LABELS[line.status].lower()
    decided = f" le {frenchdates.long_datetime(line.decided_at)}" if line.decided_at is not None else ""
    ues = f", {', '.join(line.ues)}" if line.ues else ""
    text = (f"n° {line.id} ({line.session}), {KIND_LABELS[line.kind].lower()}{ues}, reçue le "
            f"{frenchdates.long_datetime(line.received_at)} : {status}{decided}")
    if line.decision_reason:
        text += f" ({line.decision_reason})"
    if line.letter.text != "—":
        text += f" ; courrier {line.letter.text}"
    return text


def file_lines(file: StudentFile) -> list[str]:
    lines = [f"Auditeur {file.student_number} : {file.name}"]
    if not file.on_record:
        lines.append("Connu seulement par ses demandes (aucun fichier d'inscriptions ne l'a encore donné).")
    lines.append("Adresse : " + (", ".join(file.postal_address.splitlines()) or "aucune"))
    years: dict[str, list[str]] = {}
    for ue, _title, year in file.enrolments:
        years.setdefault(year, []).append(ue)
    lines.append("Inscriptions : " + ("; ".join(f"{year} : {', '.join(ues)}" for year, ues in years.items()) or "aucune"))
    sections = [
        ("Examens", [exam_text(line) for line in file.exams], "aucun"),
        ("Demandes", [request_text(line) for line in file.requests], "aucune"),
        ("Courriers", [
            f"{letter.reference} (demande n° {letter.request_id}, {STATUS_LABELS[letter.decision].lower()}) : "
            + (f"imprimé le {frenchdates.paris(letter.printed_at):%d/%m/%Y}" if letter.printed_at else "pas encore imprimé")
            for letter in file.letters
        ], "aucun"),
        ("Notes", [
            f"{grade.ue} ({grade.session}) : {rules.grade_text(grade.grade) or 'sans note'}"
            + (f", {grade.result.label}" if grade.result is not None else "")
            + (", publiée" if grade.published else ", non publiée")
            + (f", {plural(len(grade.history), 'modification')}" if len(grade.history) > 1 else "")
            for grade in file.grades
        ], "aucune"),
        ("Attestations", [
            f"{'attestation de M1' if a.kind == 'm1' else 'attestation de réussite'} {a.year}, {a.reference}, "
            f"délivrée le {frenchdates.paris(a.issued_at):%d/%m/%Y}"
            for a in file.attestations
        ], "aucune"),
    ]
    for title, items, none in sections:
        if items:
            lines.append(f"{title} :")
            lines.extend(f"  {item}" for item in items)
        else:
            lines.append(f"{title} : {none}")
    return lines


def dashboard_lines(board: Dashboard) -> list[str]:
    counts = ", ".join(f"{STATUS_LABELS[status].lower()} {count}" for status, count in board.requests.items())
    lines = [
        f"Tableau de bord : {board.title} ({board.session_key})",
        f"Demandes : {board.total_requests} ({counts})",
    ]
    if board.received_by_day:
        lines.append("Reçues par jour : " + ", ".join(
            f"{day:%d/%m} {count}" for day, count in board.received_by_day.items()))
    week = f"Semaine de traitement : {board.processing_text}"
    if board.state is SessionState.PROCESSING:
        week += " (en cours)"
    lines.append(f"{week} ; {plural(board.waiting, 'demande')} en attente"
                 + (f", dont {board.waiting_late} hors délai" if board.waiting_late else ""))
    lines.append(f"Courriers à imprimer : {board.letters_to_print}")
    lines.append("Saisie des notes :" if board.exams else "Saisie des notes : aucune épreuve")
    for exam in board.exams:
        lines.append(f"  {exam.ue} : {exam.entered}/{exam.enrolled} saisies, "
                     + ("publiées" if exam.published else "non publiées"))
    lines.append(f"Session 2 : {plural(board.session2_size, 'inscription')} à l'épreuve "
                 f"({plural(board.session2_students, 'auditeur')})")
    return lines
