"""The UE catalogue from the command line: import-units."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cnam_desk.commands.common import add_json_flag, open_db, print_json

LISTED_CHANGES = 100  # lines of detail in the text summary; the counts say the rest
_NO_CHANGE = {"dry_run": False, "created": [], "updated": [], "unchanged": 0}


def register(subparsers: argparse._SubParsersAction) -> None:
    importer = subparsers.add_parser(
        "import-units", help="importer le catalogue des UE (code, intitulé, crédits ECTS) depuis un tableur"
    )
    importer.add_argument("file", metavar="FICHIER", help="le tableur (.xlsx, .xls, .ods ou .csv)")
    importer.add_argument("--dry-run", action="store_true", help="montrer ce qui changerait, sans rien enregistrer")
    importer.add_argument(
        "--skip-errors", action="store_true", help="importer les lignes lisibles et ignorer les lignes en erreur"
    )
    add_json_flag(importer)
    importer.set_defaults(handler=import_units)


def import_units(args: argparse.Namespace) -> int:
    # deferred on purpose: the services and the spreadsheet readers load only when the command runs
    from cnam_desk.importing import RefusedFile
    from cnam_desk.schedule import units  # deferred on purpose: calamine, openpyxl, the services

    db = open_db(args)
    try:
        summary = units.import_units(db, Path(args.file), dry_run=args.dry_run, skip_errors=args.skip_errors or args.dry_run)
    except RefusedFile as refusal:
        print(f"cnam-desk : {refusal.headline()}.", file=sys.stderr)
        for error in refusal.errors:
            print(error.describe(), file=sys.stderr)
        if args.json:
            print_json({**_NO_CHANGE, "dry_run": args.dry_run, "errors": [e.as_json() for e in refusal.errors], "skipped": []})
        return 1
    for error in summary.errors:
        print(error.describe(), file=sys.stderr)
    if args.json:
        print_json(summary.as_json())
        return 0
    prefix = "Aperçu, rien n'a été enregistré. " if args.dry_run else ""
    print(prefix + summary.describe())
    lines = [
        f"  créée : {unit.code} {unit.title or '(sans intitulé)'} ({units.credits_text(unit.ects) or 'crédits non renseignés'}"
        + (" ECTS)" if unit.ects is not None else ")")
        for unit in summary.created
    ]
    lines += [f"  modifiée : {change.describe()}" for change in summary.updated]
    lines += [f"  ligne ignorée : {_where(line.sheet)}ligne {line.row} : {line.text}" for line in summary.skipped]
    if len(lines) > LISTED_CHANGES:
        lines = lines[:LISTED_CHANGES] + [f"  … et {len(lines) - LISTED_CHANGES} autres"]
    for line in lines:
        print(line)
    return 0


def _where(sheet: str) -> str:
    return f"feuille « {sheet} », " if sheet else ""
