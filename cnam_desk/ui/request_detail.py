"""The request detail as the review pane shows it: one request whole, a compact two-column sheet."""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from cnam_desk import frenchdates
from cnam_desk.db.models import RequestKind, RequestStatus
from cnam_desk.requests import checks, detail
from cnam_desk.requests.labels import KIND_LABELS, SOURCE_LABELS, STATUS_LABELS
from cnam_desk.requests.letter_state import LetterState

# What an answer held that could not be read, by field.
TYPED_LABELS = {"exams": "UE concernées", "trip_start": "date de départ", "trip_end": "date de retour"}


def isolated(text: str) -> str:
    """A name or a text as typed, escaped and set apart (Unicode FSI … PDI) from the French around it.

    An Arabic or Hebrew name then keeps its own right-to-left order without pulling the
    punctuation and the numbers next to it into its run (« محمد العلي, n° 100023001 »).
    """
    return f"\u2068{escape(text)}\u2069"


def _time(value: dt.time | None) -> str:
    return frenchdates.hour(value) if value else ""


def _check_line(name: str, value: Any) -> str:
    label = checks.LABELS[name].get(value, str(value))
    if value is None:
        return f"<span style='color:#6b7280'>{escape(label)}</span>"
    colour = "#b91c1c" if value in checks.WARNINGS else "#15803d"
    mark = "✗" if value in checks.WARNINGS else "✓"
    return f"<span style='color:{colour}'>{mark} {escape(label)}</span>"


def _letter_line(row: Any) -> str:
    """Where the letter of the present decision stands, in Paris time."""
    letter = row.letter
    if letter.state is LetterState.TO_PRINT:
        return "<br>Courrier : <b style='color:#b45309'>à imprimer</b>"
    return ""


def details_html(d: detail.RequestDetails) -> str:
    """One request whole, as the review pane shows it: a compact two-column sheet."""
    row = d.row
    e = escape
    lines: list[tuple[str, str]] = []

    def add(label: str, html: str) -> None:
        lines.append((label, html))

    student = f"<b>{isolated(row.student_name) if row.student_name else '(nom non indiqué)'}</b>, n° {e(row.student_number)}"
    if d.email:
        student += f" · {e(d.email)}"
    if not d.student_known:
        student += " <span style='color:#b91c1c'>(numéro inconnu du fichier des auditeurs)</span>"
    add("Auditeur", student)
    add("Demande", f"<b>{e(KIND_LABELS[row.kind])}</b> – « {isolated(d.reason_text)} »")
    received = (
        f"le {e(frenchdates.long_datetime(row.received_at))} ({e(SOURCE_LABELS[row.source])})"
    )
    if row.receipts > 1:
        received += f", <b>{row.receipts} envois</b>"
    add("Reçue", received)
    if d.comment:
        add("Commentaire", f"« {isolated(d.comment)} »")
    if d.trip_start or d.trip_end:
        first = d.trip_start or d.trip_end
        last = d.trip_end or d.trip_start
        assert first is not None and last is not None
        add(
            "Déplacement",
            f"du {e(frenchdates.long_date(first))} au {e(frenchdates.long_date(last))}",
        )
    exams = []
    for exam in d.exams:
        enrolled = "" if exam.enrolled else " <span style='color:#b91c1c'>(non inscrit)</span>"
        if not exam.title and not exam.date:
            when = "<span style='color:#b91c1c'>UE inconnue : code tel que saisi, absent du planning</span>"
        elif exam.date:
            when = e(
                f"{frenchdates.long_date(exam.date)}, {_time(exam.start)}–{_time(exam.end)}, {exam.room}"
            )
        else:
            when = "<span style='color:#b91c1c'>absent du planning de la session</span>"
        exams.append(f"<b>{e(exam.code)}</b> {e(exam.title)}{enrolled}<br>&nbsp;&nbsp;{when}")
    add("Examens", "<br>".join(exams) or "<span style='color:#6b7280'>aucun</span>")
    typed = [
        f"{e(TYPED_LABELS.get(name, name))} : « {e(text)} »" for name, text in sorted(row.as_typed.items())
    ]
    if typed:
        add("Tel que saisi", "<span style='color:#b91c1c'>" + "<br>".join(typed) + "</span>")
    if d.other_exams:
        add(
            "Ses autres examens",
            "<span style='color:#4b5563'>"
            + e(
                "; ".join(
                    f"{o.code} {frenchdates.short_date(o.date)} {_time(o.start)}–{_time(o.end)}"
                    for o in d.other_exams
                    if o.date
                )
            )
            + "</span>",
        )
    found = [
        _check_line(name, row.checks.get(name))
        for name in checks.CHECK_NAMES
        if row.checks.get(name) is not None
    ]
    add(
        "Contrôles",
        "<br>".join(found) or "<span style='color:#6b7280'>aucun pour ce type de demande</span>",
    )
    if d.proofs:
        add(
            "Justificatifs",
            "<br>".join(
                f"<a href='proof:{p.id}'>{e(p.file_name)}</a>"
                + (f" ({p.size / 1024:.0f} Ko)" if p.size else " (lien)")
                for p in d.proofs
            ),
        )
    elif row.kind is not RequestKind.DISABILITY:
        add(
            "Justificatifs",
            "<span style='color:#6b7280'>aucun (déposez un PDF ou une image sur la demande)</span>",
        )
    if row.status is not RequestStatus.PENDING:
        decision = f"<b>{e(STATUS_LABELS[row.status])}</b>"
        if row.decided_at:
            decision += e(f" par {row.decided_by} le {frenchdates.long_datetime(row.decided_at)}")
        for arrangement in d.arrangements:
            decision += "<br>Aménagement : " + e(
                f"{arrangement.ue_code} le {frenchdates.long_date(arrangement.date)} de "
                f"{_time(arrangement.start)} à {_time(arrangement.end)}, {arrangement.room}"
            )
        if d.decision_reason:
            decision += f"<br>{e(d.decision_reason)}"
        if d.missing_items:
            decision += f"<br>Manque : {e(d.missing_items)}"
            if d.reply_by:
                decision += f" (réponse attendue avant le {e(frenchdates.long_date(d.reply_by))})"
        if d.decision_comment:
            decision += f"<br>Commentaire : {e(d.decision_comment)}"
        if d.letter_printed_at and row.letter.state is LetterState.PRINTED:
            decision += (
                f"<br><b>Courrier imprimé le {e(frenchdates.long_datetime(d.letter_printed_at))}</b> : "
                "un changement demande un motif."
            )
        else:
            decision += _letter_line(row)
            if d.letter_printed_at:
                decision += (
                    f"<br>Un courrier d'une décision précédente a été imprimé le "
                    f"{e(frenchdates.long_datetime(d.letter_printed_at))} : un changement demande un motif."
                )
        add("Décision", decision)
    add(
        "Historique",
        "<span style='color:#374151'>"
        + "<br>".join(
            f"{e(frenchdates.paris(h.at).strftime('%d/%m/%Y %H:%M'))} – {e(h.text)}"
            + (f" ({e(h.clerk)})" if h.clerk else "")
            for h in d.history
        )
        + "</span>",
    )
    head = (
        f"<p style='margin:0'><span style='font-size:large'><b>Demande n° {row.id}</b> – {e(STATUS_LABELS[row.status])}</span>"
        f" <span style='color:#6b7280'>· session {e(d.session_key)} · version {row.version}</span></p>"
    )
    body = "".join(
        f"<tr><td style='color:#4b5563; padding-right:8px' valign='top'>{e(label)}</td><td>{html}</td></tr>"
        for label, html in lines
    )
    # The sheet is French, left to right, whatever script the first word of a line is in.
    return f"<div dir='ltr'>{head}<table cellspacing='0' cellpadding='2'>{body}</table></div>"
