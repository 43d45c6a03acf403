"""Requests typed at the desk, and the proofs kept with a request."""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from cnam_desk import frenchdates, parsing
from cnam_desk.db.engine import Database
from cnam_desk.db.models import (
    Proof,
    RequestKind,
    RequestSource,
    Student,
)
from cnam_desk.errors import NotFound, RefusedInput
from cnam_desk.requests import checks, review
from cnam_desk.requests.answers import Answer, answer_hash, without_medical_detail
from cnam_desk.requests.columns import extract_codes, normalise_student_number, recognise_kind
from cnam_desk.requests.intake import (
    ImportReport,
    Store,
    catalogue_codes,
    record_event,
    store_answers,
)
from cnam_desk.requests.labels import KIND_LABELS
from cnam_desk.requests.numbers import StudentNumbers
from cnam_desk.schedule import exam_calendar

PROOF_MAX_BYTES = 10 * 1024 * 1024
PROOF_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}
# The first bytes of each accepted kind of file: a renamed file is not a proof.
_MAGIC = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
}


# --- the fields of a request ----------------------------------------------------------------


@dataclass
class HandTypedRequest:
    """A request received by mail or at the desk, typed by the clerk."""

    session_key: str
    student_number: str
    reason_text: str
    codes: list[str]
    received_at: dt.datetime
    source: RequestSource = RequestSource.MAIL
    last_name: str = ""
    first_name: str = ""
    email: str = ""
    kind: RequestKind | None = None  # None: recognised from the reason
    trip_start: dt.date | None = None
    trip_end: dt.date | None = None
    comment: str = ""


@dataclass(frozen=True)
class KnownStudent:
    """What the students' file holds on a number typed at the desk."""

    number: str  # as the file has it (a leading zero Excel lost is put back)
    last_name: str
    first_name: str
    email: str
    postal_address: str


def look_up_student(db: Database, typed_number: str) -> KnownStudent | None:
    """The known student a typed number is (None for an unknown or an invalid one)."""
    number = normalise_student_number(typed_number)
    if not number or parsing.student_number_problem(number):
        return None
    with db.transaction(write=False) as s:
        match = StudentNumbers(s, [number]).match(number)
        if match.student_id is None:
            return None
        student = s.get(Student, match.student_id)
        assert student is not None
        return KnownStudent(
            student.number, student.last_name, student.first_name, student.email, student.postal_address
        )


def add_request(db: Database, typed: HandTypedRequest) -> int:
    """Store a hand-typed request with the same rules as a form answer; returns its number."""
    if typed.source is RequestSource.FORM:
        raise RefusedInput(
            "Une demande saisie à la main vient d'un courrier, d'un courriel ou de l'accueil."
        )
    number = normalise_student_number(typed.student_number)
    if not number:
        raise RefusedInput("Indiquez le numéro d'auditeur.")
    if wrong := parsing.student_number_problem(number):
        raise RefusedInput(wrong[0].upper() + wrong[1:] + ".")
    reason = parsing.parse_text(typed.reason_text)
    kind = typed.kind or recognise_kind(reason)
    if not reason:
        reason = KIND_LABELS[kind].lower() if typed.kind else ""
    if not reason:
        raise RefusedInput("Indiquez le motif de la demande.")
    codes = []
    for value in typed.codes:
        for code in extract_codes(value):
            if code not in codes:
                codes.append(code)
    if not codes and kind is not RequestKind.DISABILITY:
        raise RefusedInput("Indiquez au moins une UE concernée (par exemple NFA031).")
    if typed.trip_start and typed.trip_end and typed.trip_end < typed.trip_start:
        raise RefusedInput("La date de retour est avant la date de départ.")
    if typed.received_at.tzinfo is None:
        raise RefusedInput("La date de réception doit être en heure de Paris.")
    with db.transaction() as s:
        session = exam_calendar.find_session(s, typed.session_key)
        unknown = [code for code in codes if code not in catalogue_codes(s)]
        if unknown:
            raise RefusedInput(
                f"UE inconnue{'s' if len(unknown) > 1 else ''} : {', '.join(unknown)}."
            )
        answer = without_medical_detail(
            Answer(
                row=0,
                response_id=None,
                received_at=typed.received_at,
                student_number=number,
                last_name=parsing.parse_text(typed.last_name),
                first_name=parsing.parse_text(typed.first_name),
                email=parsing.parse_text(typed.email),
                reason_text=reason,
                kind=kind,
                codes=codes,
                trip_start=typed.trip_start,
                trip_end=typed.trip_end,
                proof="",
                comment=parsing.parse_text(typed.comment),
                content_hash=answer_hash(
                    typed.source.value,
                    session.id,
                    number,
                    kind.value,
                    sorted(codes),
                    typed.received_at.isoformat(),
                    reason,
                    typed.comment,
                ),
                source=typed.source,
            )
        )
        steps = store_answers(s, [answer], session=session, file_name="", sheet="", clerk=db.clerk)
        while True:
            try:
                next(steps)
            except StopIteration as stop:
                report: ImportReport = stop.value
                break
        if report.unchanged:
            raise RefusedInput(
                "Cette demande a déjà été saisie (même auditeur, même motif, même date de réception)."
            )
        if report.request_ids:
            return report.request_ids[0]
        key = answer.merge_key(session.id)
        return Store(s, {session.id}).keys[key]


# --- proofs ----------------------------------------------------------------------------------------


def proof_media_type(path: Path, head: bytes) -> str:
    """The media type of an accepted proof, or RefusedInput saying why the file is not one."""
    media = PROOF_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or ""
    if media not in _MAGIC:
        raise RefusedInput(
            f"Le fichier « {path.name} » n'est pas un justificatif accepté : joignez un PDF ou une image "
            "(PNG, JPEG, GIF, WebP, TIFF)."
        )
    if not any(head.startswith(magic) for magic in _MAGIC[media]):
        raise RefusedInput(
            f"Le fichier « {path.name} » n'est pas un vrai {media.split('/')[-1].upper()} : il est refusé."
        )
    return media


def attach_proof(
    db: Database, request_id: int, path: str | Path, *, expect_version: int | None = None
) -> int:
    """Keep a proof file (PDF or image, 10 Mo at most) with a request; returns the request's new version."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        raise RefusedInput(f"Le fichier « {path.name} » est introuvable ou illisible.") from None
    if size == 0:
        raise RefusedInput(f"Le fichier « {path.name} » est vide.")
    if size > PROOF_MAX_BYTES:
        raise RefusedInput(
            f"Le fichier « {path.name} » pèse {size / 1024 / 1024:.1f} Mo : un justificatif ne peut dépasser "
            f"{PROOF_MAX_BYTES // 1024 // 1024} Mo.".replace(".", ",", 1)
        )
    content = path.read_bytes()
    media = proof_media_type(path, content[:16])
    now = frenchdates.now()
    with db.transaction() as s:
        request = review.load_for_change(s, request_id, expect_version)
        if request.kind is RequestKind.DISABILITY:
            raise RefusedInput(
                "Aucun justificatif n'est conservé pour une situation de handicap : la demande est transmise "
                "à la mission Handi'Cnam."
            )
        digest = hashlib.sha256(content).hexdigest()
        if any(proof.sha256 == digest for proof in request.proofs):
            raise RefusedInput(
                f"Ce justificatif (« {path.name} ») est déjà joint à la demande n° {request_id}."
            )
        with s.no_autoflush:
            request.proofs.append(
                Proof(
                    file_name=path.name[:255],
                    media_type=media,
                    size=size,
                    sha256=digest,
                    content=content,
                    added_at=now,
                )
            )
            record_event(request, db.clerk, "proof", f"Justificatif joint : {path.name}", now)
            checks.refresh_request(s, request)
            review.touch(request)
        s.flush()
        return request.version


def proof_content(db: Database, proof_id: int) -> tuple[str, str, bytes | None, str]:
    """A kept proof: (file name, media type, content or None for a link, link)."""
    with db.transaction() as s:
        proof = s.get(Proof, proof_id)
        if proof is None:
            raise NotFound(f"Le justificatif n° {proof_id} n'existe pas.")
        return proof.file_name, proof.media_type, proof.content, proof.link
