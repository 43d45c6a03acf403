"""`cnam-desk letters`: a session's decision letters as PDF files, or printed through the print service."""

from __future__ import annotations

import argparse
import sys

from cnam_desk.commands.common import add_json_flag, open_db, print_json
from cnam_desk.errors import RefusedInput
from cnam_desk.progress import run_to_end

# The orders of requests.letters.ORDERS, written here so that building the parser imports no
# service (a test checks they are the same).
ORDERS = ("name", "decision", "date")
DECISION_LABELS = {
    "accepted": "acceptée",
    "refused": "refusée",
    "incomplete": "incomplète",
    "redirected": "orientée Handi'Cnam",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "letters",
        help="les courriers de décision d'une session : fichiers PDF ou impression",
        description="Produit les courriers de décision d'une session (toutes les demandes décidées, "
        "celles dont le courrier n'est pas encore imprimé avec --pending, ou une demande avec --request).",
    )
    parser.add_argument("--session", required=True, metavar="CLÉ", help="la session, par exemple 2023-2024/S1/1")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--pending", action="store_true", help="seulement les courriers pas encore imprimés")
    which.add_argument(
        "--request", type=int, action="append", metavar="N", help="le courrier de cette demande (option répétable)"
    )
    parser.add_argument("--out", metavar="DOSSIER", help="le dossier où écrire les PDF")
    parser.add_argument(
        "--order", choices=ORDERS, default="name", help="ordre des courriers : name (nom), decision ou date"
    )
    parser.add_argument("--single-file", action="store_true", help="tous les courriers dans un seul PDF (un seul travail d'impression)")
    parser.add_argument("--print", dest="print_", action="store_true", help="imprimer par le service d'impression du poste")
    parser.add_argument("--printer", metavar="NOM", help="l'imprimante (sinon celle par défaut du poste)")
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # deferred on purpose: reportlab, the print service
    from cnam_desk.requests import letter_files, letters

    if not args.out and not args.print_:
        raise RefusedInput("Indiquez où écrire les courriers (--out DOSSIER) ou demandez l'impression (--print).")
    if args.printer and not args.print_:
        raise RefusedInput("--printer ne sert qu'avec --print.")
    db = open_db(args)
    selection = {"pending_only": args.pending, "order": args.order, "request_ids": args.request}
    files: list[str] = []
    jobs: list[str] = []
    written = printed = []
    if args.out:
        written, paths = run_to_end(
            letter_files.write_letters(db, args.session, args.out, single_file=args.single_file, **selection)
        )
        files = [str(path) for path in paths]
    if args.print_:
        # Printing after writing: the same letters, the same generation (pending ones are still pending).
        printed, jobs = run_to_end(
            letter_files.print_letters(db, args.session, printer=args.printer, single_job=args.single_file, **selection)
        )
    produced = written or printed
    references = [letter.reference for letter in produced]
    summaries = {s.reference: s for s in letters.letters_for_session(db, args.session, pending_only=False)}
    rows = [summaries[ref].as_json() for ref in references if ref in summaries]
    if args.json:
        print_json({"session": args.session, "letters": rows, "files": files, "jobs": jobs})
        return 0
    if not produced:
        what = "en attente d'impression" if args.pending else "à produire"
        print(f"Aucun courrier {what} pour la session {args.session}.")
        return 0
    for row in rows:
        address = "" if row["postal_address"] else "  (sans adresse postale)"
        print(
            f"{row['reference']:20} {row['student_number']:12} {row['last_name']} {row['first_name']} : "
            f"demande {DECISION_LABELS[row['decision']]}{address}"
        )
    if files:
        print(f"{len(produced)} courrier(s) écrit(s) : {', '.join(files) if len(files) <= 3 else f'{len(files)} fichiers dans {args.out}'}")
    if jobs:
        print(f"{len(printed)} courrier(s) envoyé(s) à l'impression (travail {', '.join(jobs)}).")
    missing = [row for row in rows if not row["postal_address"]]
    if missing:
        print(f"Attention : {len(missing)} courrier(s) sans adresse postale, à envoyer autrement.", file=sys.stderr)
    return 0
