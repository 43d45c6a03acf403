"""The schedule from the command line: import-planning, planning, import-enrolments, conflicts, exports."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnam_desk.commands.common import add_json_flag, open_db, print_json

if TYPE_CHECKING:
    from cnam_desk.importing import RefusedFile, RowError

LISTED_CHANGES = 100  # lines of detail in the text summary; the counts say the rest


def register(subparsers: argparse._SubParsersAction) -> None:
    importer = subparsers.add_parser(
        "import-planning", help="importer le planning des examens d'une session depuis un tableur"
    )
    importer.add_argument("file", metavar="FICHIER", help="le tableur (.xlsx, .xls, .xlsb, .ods)")
    importer.add_argument("--session", required=True, metavar="CLÉ", help="la session, par exemple 2023-2024/S1/1")
    importer.add_argument("--dry-run", action="store_true", help="montrer ce qui changerait, sans rien enregistrer")
    importer.add_argument(
        "--skip-errors", action="store_true", help="importer les lignes lisibles et ignorer les lignes en erreur"
    )
    importer.add_argument(
        "--allow-removals", action="store_true",
        help="supprimer aussi les épreuves sur lesquelles reposent des demandes, aménagements ou notes "
        "(les demandes concernées sont à revoir)",
    )  # fmt: skip
    add_json_flag(importer)
    importer.set_defaults(handler=import_planning)

    listing = subparsers.add_parser("planning", help="les épreuves d'une session")
    listing.add_argument("--session", required=True, metavar="CLÉ", help="la session, par exemple 2023-2024/S1/1")
    add_json_flag(listing)
    listing.set_defaults(handler=show_planning)

    enrol = subparsers.add_parser("import-enrolments", help="importer les inscriptions d'une année depuis un tableur")
    enrol.add_argument("file", metavar="FICHIER", help="le tableur : une ligne par auditeur et par UE")
    enrol.add_argument("--year", required=True, metavar="ANNÉE", help="l'année universitaire, par exemple 2023-2024")
    enrol.add_argument("--dry-run", action="store_true", help="montrer ce qui changerait, sans rien enregistrer")
    enrol.add_argument(
        "--skip-errors", action="store_true", help="importer les lignes lisibles et ignorer les lignes en erreur"
    )
    add_json_flag(enrol)
    enrol.set_defaults(handler=import_enrolments)

    clashes = subparsers.add_parser(
        "conflicts", help="auditeurs ayant deux épreuves en même temps, salles réservées deux fois"
    )
    clashes.add_argument("--session", required=True, metavar="CLÉ", help="la session, par exemple 2023-2024/S1/1")
    add_json_flag(clashes)
    clashes.set_defaults(handler=show_conflicts)

    export = subparsers.add_parser("export-planning", help="exporter le planning en .ics ou en .xlsx")
    export.add_argument("--session", required=True, metavar="CLÉ", help="la session, par exemple 2023-2024/S1/1")
    export.add_argument("--student", metavar="NUMÉRO", help="seulement les épreuves de cet auditeur")
    export.add_argument("--out", required=True, metavar="FICHIER", help="le fichier à écrire : .ics ou .xlsx")
    export.set_defaults(handler=export_planning)

    sheets = subparsers.add_parser(
        "attendance-sheets", help="feuilles d'émargement (PDF) : une par épreuve et par salle"
    )
    sheets.add_argument("--session", required=True, metavar="CLÉ", help="la session, par exemple 2023-2024/S1/1")
    sheets.add_argument("--out", required=True, metavar="DOSSIER", help="le dossier où écrire les PDF")
    sheets.set_defaults(handler=attendance_sheets)


def _print_errors(errors: Sequence[RowError]) -> None:
    for error in errors:
        print(error.describe(), file=sys.stderr)


def _refused(args: argparse.Namespace, refusal: RefusedFile, empty_counts: dict[str, Any]) -> int:
    """A file with rows in error: every error on stderr, one per line; nothing was written."""
    print(f"cnam-desk : {refusal.headline()}.", file=sys.stderr)
    _print_errors(refusal.errors)
    if args.json:
        print_json({**empty_counts, "errors": [error.as_json() for error in refusal.errors]})
    return 1


_NO_CHANGE = {"added": 0, "updated": 0, "removed": 0, "unchanged": 0}


def _listed(lines: list[str]) -> list[str]:
    if len(lines) <= LISTED_CHANGES:
        return lines
    return lines[:LISTED_CHANGES] + [f"  … et {len(lines) - LISTED_CHANGES} autres"]


def import_planning(args: argparse.Namespace) -> int:
    from cnam_desk import frenchdates  # deferred on purpose: babel
    from cnam_desk.importing import RefusedFile  # deferred on purpose: the readers
    from cnam_desk.schedule import planning  # deferred on purpose: the service, SQLAlchemy
    from cnam_desk.schedule.removals import RemovalsRefused  # deferred on purpose: the service

    db = open_db(args)
    try:
        summary = planning.import_schedule(
            db, Path(args.file), args.session, skip_errors=args.skip_errors, dry_run=args.dry_run,
            allow_removals=args.allow_removals,
        )  # fmt: skip
    except RefusedFile as refusal:
        skipped = [line.as_json() for line in getattr(refusal, "skipped", [])]
        return _refused(args, refusal, {**_NO_CHANGE, "skipped": skipped})
    except RemovalsRefused as refusal:
        print(f"cnam-desk : {refusal}", file=sys.stderr)
        if args.json:
            resting = [item.as_json() for item in refusal.resting]
            print_json({**_NO_CHANGE, "errors": [], "skipped": [], "refused_removals": resting})
        return 1
    if args.json:
        print_json(summary.as_json())
        return 0
    _print_errors(summary.errors)
    prefix = "Aperçu, rien n'a été enregistré. " if args.dry_run else ""
    print(prefix + summary.describe())
    preview = summary.preview
    if preview is not None:
        lines = [f"  modifiée : {change.describe()}" for change in preview.changed]
        lines += [
            f"  supprimée : {exam.ue} ({exam.centre}) du {frenchdates.short_date(exam.date)}" for exam in preview.removed
        ]
        lines += [
            f"  conservée (ligne en erreur) : {exam.ue} ({exam.centre})" for exam in preview.kept
        ]
        lines += [
            f"  ligne ignorée : feuille « {line.sheet} », ligne {line.row} : {line.text}" for line in summary.skipped
        ]
        for line in _listed(lines):
            print(line)
    return 0


def show_planning(args: argparse.Namespace) -> int:
    from cnam_desk import frenchdates  # deferred on purpose: babel
    from cnam_desk.importing import count  # deferred on purpose: the import pipeline
    from cnam_desk.schedule import planning  # deferred on purpose: the service and SQLAlchemy

    exams = planning.list_exams(open_db(args), args.session)
    if args.json:
        print_json([exam.as_json() for exam in exams])
        return 0
    if not exams:
        print(f"Aucune épreuve dans la session {args.session}.")
        return 0
    for exam in exams:
        print(
            f"{frenchdates.short_date(exam.date)}  {frenchdates.hour(exam.start):>5}-{frenchdates.hour(exam.end):<5}  "
            f"{exam.ue:8}  {exam.title[:44]:44}  {exam.room:24}  {exam.centre}"
        )
    print(count(len(exams), "épreuve", "épreuves") + ".")
    return 0


def import_enrolments(args: argparse.Namespace) -> int:
    from cnam_desk.importing import RefusedFile  # deferred on purpose: the readers
    from cnam_desk.schedule import enrolments  # deferred on purpose: the service, SQLAlchemy

    db = open_db(args)
    try:
        summary = enrolments.import_enrolments(
            db, Path(args.file), args.year, skip_errors=args.skip_errors, dry_run=args.dry_run
        )
    except RefusedFile as refusal:
        empty = {"students_added": 0, "students_updated": 0, "enrolments_added": 0, "unchanged": 0}
        return _refused(args, refusal, empty)
    if args.json:
        print_json(summary.as_json())
        return 0
    _print_errors(summary.errors)
    prefix = "Aperçu, rien n'a été enregistré. " if args.dry_run else ""
    print(prefix + summary.describe())
    return 0


def show_conflicts(args: argparse.Namespace) -> int:
    from cnam_desk.importing import count  # deferred on purpose: the import pipeline
    from cnam_desk.schedule import conflicts  # deferred on purpose: the service and SQLAlchemy

    found = conflicts.find_conflicts(open_db(args), args.session)
    if args.json:
        print_json(found.as_json())
        return 0
    print(
        f"Session {found.session_key} : "
        f"{count(len(found.students), 'auditeur a', 'auditeurs ont')} des épreuves qui se chevauchent, "
        f"{count(len(found.rooms), 'salle réservée', 'salles réservées')} deux fois en même temps."
    )
    for clash in found.students:
        print(f"  auditeur {clash.describe()}")
    for clash in found.rooms:
        print(f"  salle {clash.describe()}")
    return 0


def export_planning(args: argparse.Namespace) -> int:
    from cnam_desk.importing import count  # deferred on purpose: the import pipeline
    from cnam_desk.schedule import planning_export  # deferred on purpose: icalendar, reportlab

    selection = planning_export.export_planning(open_db(args), args.session, Path(args.out), args.student)
    print(f"Planning écrit dans « {args.out} » : {count(len(selection.exams), 'épreuve', 'épreuves')}.")
    return 0


def attendance_sheets(args: argparse.Namespace) -> int:
    from cnam_desk.importing import count  # deferred on purpose: the import pipeline
    from cnam_desk.schedule import planning_export  # deferred on purpose: icalendar, reportlab

    written = planning_export.write_attendance_sheets(open_db(args), args.session, Path(args.out))
    print(f"{count(len(written), 'feuille d’émargement écrite', 'feuilles d’émargement écrites')} dans « {args.out} ».")
    return 0
