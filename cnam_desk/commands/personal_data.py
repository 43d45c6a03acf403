"""`cnam-desk student-data` (everything held on one student) and `cnam-desk purge` (old requests)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cnam_desk.commands.common import add_json_flag, open_db, print_json
from cnam_desk.errors import RefusedInput


def register(subparsers: argparse._SubParsersAction) -> None:
    export = subparsers.add_parser(
        "student-data", help="exporter en JSON tout ce que la base contient sur un auditeur (droit d'accès)"
    )
    export.add_argument("number", metavar="NUMÉRO", help="le numéro d'auditeur")
    export.add_argument("--out", required=True, metavar="FICHIER.json", help="le fichier JSON à écrire")
    export.set_defaults(handler=run_student_data)

    purge = subparsers.add_parser(
        "purge",
        help="supprimer les demandes, courriers et justificatifs des années passées "
        "(au-delà de la durée de conservation du service)",
    )
    purge.add_argument(
        "--before", required=True, metavar="ANNÉE",
        help="première année conservée, par exemple 2023-2024 (ou 2023) : seules les années antérieures sont purgées",
    )
    purge.add_argument("--dry-run", action="store_true", help="dire ce qui serait supprimé, sans rien supprimer")
    add_json_flag(purge)
    purge.set_defaults(handler=run_purge)


def run_student_data(args: argparse.Namespace) -> int:
    from cnam_desk import personal_data  # deferred on purpose: the services and SQLAlchemy
    from cnam_desk.personal_data import plural  # deferred on purpose: see above

    data = personal_data.student_data(open_db(args), args.number)
    out = Path(args.out).expanduser()
    partial = out.with_name(out.name + ".partial")
    try:
        partial.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        partial.replace(out)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise RefusedInput(f"Impossible d'écrire « {out} » : {error.strerror or error}.") from None
    counts = [
        plural(len(data["enrolments"]), "inscription"),
        plural(len(data["requests"]), "demande"),
        plural(len(data["grades"]), "note"),
        plural(len(data["attestations"]), "attestation"),
        plural(len(data["audit_events"]), "événement du journal", "événements du journal"),
    ]
    print(f"Données de l'auditeur {data['student_number']} écrites dans « {out} » : {', '.join(counts)}.")
    return 0


def run_purge(args: argparse.Namespace) -> int:
    from cnam_desk import personal_data  # deferred on purpose: the services and SQLAlchemy

    report = personal_data.purge(open_db(args), args.before, dry_run=args.dry_run)
    if args.json:
        print_json(report.as_json())
    else:
        print(("Simulation, rien n'a été supprimé. " if args.dry_run else "") + report.summary())
    return 0
