"""`cnam-desk import-requests`, `cnam-desk requests` and `cnam-desk decide`: the request queue from the command line."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import TYPE_CHECKING

from cnam_desk.commands.common import add_json_flag, open_db, parse_date, print_json
from cnam_desk.errors import RefusedInput

if TYPE_CHECKING:
    from cnam_desk.requests import queue

# The names the parser offers, written here so that building it imports no service (a test checks
# them against requests.columns.FIELD_NAMES, RequestStatus and review.Decision).
FIELD_NAMES = (
    "student_number", "last_name", "first_name", "email", "postal_address", "reason", "exams", "trip_start",
    "trip_end", "proof", "comment",
)  # fmt: skip
STATUSES = ("pending", "accepted", "refused", "incomplete", "redirected")
DECISIONS = ("accept", "refuse", "incomplete", "redirect")


def register(subparsers: argparse._SubParsersAction) -> None:
    importer = subparsers.add_parser(
        "import-requests",
        help="importer les demandes d'aménagement d'un export Microsoft Forms (.xlsx)",
    )
    importer.add_argument("file", metavar="FICHIER", help="l'export du formulaire")
    importer.add_argument(
        "--session", metavar="CLÉ", help="la session (sinon : celle des examens nommés)"
    )
    importer.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="CHAMP=EN-TÊTE",
        help="la colonne d'un champ ("
        + ", ".join(FIELD_NAMES)
        + ") ; exams peut être répété",
    )
    add_json_flag(importer)
    importer.set_defaults(handler=import_requests)

    lister = subparsers.add_parser("requests", help="les demandes d'aménagement et leurs contrôles")
    lister.add_argument("--session", metavar="CLÉ", help="une session, par exemple 2023-2024/S1/1")
    lister.add_argument("--status", choices=STATUSES, help="un statut")
    add_json_flag(lister)
    lister.set_defaults(handler=list_requests)

    decider = subparsers.add_parser("decide", help="décider une demande d'aménagement")
    decider.add_argument("id", type=int, metavar="ID", help="le numéro de la demande")
    decider.add_argument("decision", choices=DECISIONS, help="la décision")
    decider.add_argument(
        "--reason",
        default="",
        metavar="TEXTE",
        help="refus : motif de la liste (texte ou numéro) ; incomplet : ce qui manque ; redirection : vers qui",
    )
    decider.add_argument(
        "--comment", default="", metavar="TEXTE", help="commentaire joint à la décision"
    )
    decider.add_argument("--exam", metavar="UE", help="acceptation : l'UE de l'aménagement")
    decider.add_argument(
        "--date", metavar="AAAA-MM-JJ", help="acceptation : le jour de l'aménagement"
    )
    decider.add_argument("--start", metavar="HH:MM", help="acceptation : l'heure de début")
    decider.add_argument("--end", metavar="HH:MM", help="acceptation : l'heure de fin")
    decider.add_argument("--room", default="", metavar="SALLE", help="acceptation : la salle")
    decider.add_argument(
        "--reply-by", metavar="AAAA-MM-JJ", help="incomplet : réponse attendue avant cette date"
    )
    decider.add_argument(
        "--expect-version", type=int, metavar="N", help="la version lue (refus si elle a changé)"
    )
    decider.add_argument(
        "--change-reason",
        default="",
        metavar="TEXTE",
        help="motif du changement d'une décision déjà imprimée",
    )
    add_json_flag(decider)
    decider.set_defaults(handler=decide)


def import_requests(args: argparse.Namespace) -> int:
    # deferred on purpose: the services, openpyxl, SQLAlchemy
    from cnam_desk.requests import exports, intake

    columns = exports.parse_column_options(args.column)
    db = open_db(args)
    try:
        report = intake.import_requests(db, args.file, args.session, columns or None)
    except intake.ImportRefused as refused:
        if args.json:
            print_json(intake.ImportReport(errors=refused.problems).as_json())
        for problem in refused.problems[1:] if not args.json else []:
            print(f"  {problem.describe()}", file=sys.stderr)
        raise
    if args.json:
        print_json(report.as_json())
    else:
        print(f"« {args.file} » : {report.summary()}")
        notes = report.notes()
        if notes:
            print(f"À vérifier ({len(notes)}) : gardé tel que saisi, voyez la demande.")
            for line in notes:
                print(f"  {line}")
    return 0


def _check_words(row: queue.QueueRow) -> str:
    from cnam_desk.requests import checks  # deferred on purpose: the service and SQLAlchemy

    words = []
    for name in checks.CHECK_NAMES:
        value = row.checks.get(name)
        if value is not None:
            words.append(checks.LABELS[name].get(value, str(value)))
    return ", ".join(words)


def list_requests(args: argparse.Namespace) -> int:
    from cnam_desk import frenchdates  # deferred on purpose: babel
    from cnam_desk.requests import queue  # deferred on purpose: the service and SQLAlchemy

    # deferred on purpose: the ORM models
    from cnam_desk.requests.labels import KIND_LABELS, STATUS_LABELS

    rows = queue.list_requests(open_db(args), args.session, args.status)
    if args.json:
        print_json([row.as_json() for row in rows])
        return 0
    if not rows:
        print("Aucune demande.")
        return 0
    for row in rows:
        received = frenchdates.paris(row.received_at).strftime("%d/%m/%Y %H:%M")
        receipts = f" ({row.receipts} envois)" if row.receipts > 1 else ""
        print(
            f"n° {row.id:<6} {received}  {row.student_number:<10} {KIND_LABELS[row.kind]:<26} "
            f"{' '.join(row.ues):<16} {STATUS_LABELS[row.status]:<11} {_check_words(row)}{receipts}"
        )
    return 0


def _time(text: str | None, what: str) -> dt.time:
    from cnam_desk import parsing  # deferred on purpose: the ORM models

    if not text:
        raise RefusedInput(f"Pour accepter, indiquez {what} (HH:MM).")
    try:
        return parsing.parse_time(text)
    except parsing.ParseError as error:
        raise RefusedInput(f"{what.capitalize()} « {text} » invalide : {error.message}.") from None


def decide(args: argparse.Namespace) -> int:
    from cnam_desk.requests import review  # deferred on purpose: the service and SQLAlchemy
    from cnam_desk.requests.labels import STATUS_LABELS  # deferred on purpose: the ORM models

    arrangement = None
    if args.decision == review.Decision.ACCEPT.value:
        if not args.date:
            if any((args.exam, args.start, args.end, args.room)):
                raise RefusedInput(
                    "Pour accepter, indiquez l'aménagement : --date, --start, --end et --room (et --exam)."
                )
        else:
            arrangement = review.ArrangementInput(
                ue_code=args.exam,
                date=parse_date(args.date, "date de l'aménagement"),
                start=_time(args.start, "l'heure de début"),
                end=_time(args.end, "l'heure de fin"),
                room=args.room,
            )
    elif any((args.exam, args.date, args.start, args.end, args.room)):
        raise RefusedInput(
            "--exam, --date, --start, --end et --room ne servent qu'à une acceptation."
        )
    reply_by = parse_date(args.reply_by, "date de réponse") if args.reply_by else None
    row = review.decide(
        open_db(args),
        args.id,
        args.decision,
        reason=args.reason,
        comment=args.comment,
        arrangement=arrangement,
        reply_by=reply_by,
        expect_version=args.expect_version,
        change_reason=args.change_reason,
    )
    if args.json:
        print_json(row.as_json())
    else:
        print(f"Demande n° {row.id} : {STATUS_LABELS[row.status].lower()} (version {row.version}).")
    return 0
