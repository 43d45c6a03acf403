"""Results on the command line: grade-sheet, import-grades, grades, set-grade, settle-grade, double-entry, publish,
export-results, session2, attestation."""

from __future__ import annotations

import argparse
import sys

from cnam_desk.commands.common import add_json_flag, open_db, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "grade-sheet", help="la feuille de notes à remplir par l'enseignant (.xlsx), à réimporter par import-grades"
    )
    parser.add_argument("--session", required=True, metavar="CLÉ", help="la session, par exemple 2023-2024/S1/1")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--exam", metavar="UE", help="le code de l'UE, par exemple NFA031")
    which.add_argument("--all", action="store_true", help="une feuille par épreuve de la session, dans le dossier --out")
    parser.add_argument("--out", required=True, metavar="CHEMIN", help="le fichier .xlsx (avec --all : un dossier)")
    add_json_flag(parser)
    parser.set_defaults(handler=grade_sheet)

    parser = subparsers.add_parser(
        "import-grades", help="importer les notes d'un fichier .xlsx (tout ou rien, aperçu des problèmes)"
    )
    parser.add_argument("file", metavar="FICHIER", help="tableur : colonnes n° d'auditeur et note (et UE), dans n'importe quel ordre")
    parser.add_argument("--session", required=True, metavar="CLÉ", help="la session, par exemple 2023-2024/S1/1")
    parser.add_argument("--exam", metavar="UE", help="l'UE de tout le fichier (sinon une colonne UE, ou l'UE de la feuille de notes)")
    parser.add_argument(
        "--second-entry", action="store_true",
        help="le fichier est la seconde saisie (double saisie) : comparée à la première, sans la remplacer",
    )
    add_json_flag(parser)
    parser.set_defaults(handler=import_grades)

    parser = subparsers.add_parser("grades", help="les notes d'une épreuve")
    _session_exam(parser)
    add_json_flag(parser)
    parser.set_defaults(handler=grades)

    parser = subparsers.add_parser("set-grade", help="saisir ou corriger une note")
    _session_exam(parser)
    parser.add_argument("--student", required=True, metavar="NUM", help="numéro d'auditeur")
    parser.add_argument("value", metavar="NOTE", help="note sur 20 (12,5 ou 12.5), ABI, ABJ, ou \"\" pour effacer")
    parser.add_argument("--reason", default="", metavar="TEXTE", help="motif (obligatoire une fois les notes publiées)")
    parser.add_argument(
        "--expect-version", type=int, metavar="N",
        help="la version lue (grades --json) : refusé si la note a changé depuis, avec qui et quand",
    )
    parser.set_defaults(handler=set_grade)

    parser = subparsers.add_parser(
        "settle-grade", help="trancher un désaccord de la double saisie en choisissant la bonne note"
    )
    _session_exam(parser)
    parser.add_argument("--student", required=True, metavar="NUM", help="numéro d'auditeur")
    parser.add_argument("--grade", required=True, metavar="NOTE", help="la bonne note : 12,5 ou 12.5, ABI ou ABJ")
    add_json_flag(parser)
    parser.set_defaults(handler=settle_grade)

    parser = subparsers.add_parser(
        "double-entry", help="réglage du service : double saisie des notes obligatoire ou non avant publication"
    )
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--required", action="store_true", help="rendre la double saisie obligatoire")
    choice.add_argument("--optional", action="store_true", help="rendre la double saisie facultative")
    add_json_flag(parser)
    parser.set_defaults(handler=double_entry_setting)

    parser = subparsers.add_parser("publish", help="publier les notes d'une épreuve (elles sont alors verrouillées)")
    _session_exam(parser)
    parser.set_defaults(handler=publish)

    parser = subparsers.add_parser("export-results", help="exporter les résultats publiés pour le portail (.xlsx)")
    parser.add_argument("--session", required=True, metavar="CLÉ", help="la session, par exemple 2023-2024/S1/1")
    parser.add_argument("--out", required=True, metavar="FICHIER.xlsx", help="le fichier à écrire")
    parser.set_defaults(handler=export_results)

    parser = subparsers.add_parser("session2", help="la liste de session 2 d'un semestre (pas de convocation)")
    parser.add_argument("--semester", required=True, metavar="SEMESTRE", help="par exemple 2023-2024/S1")
    add_json_flag(parser)
    parser.add_argument("--out", metavar="FICHIER.xlsx", help="écrire aussi la liste dans ce tableur")
    parser.set_defaults(handler=session2)

    parser = subparsers.add_parser("attestation", help="attestations de réussite (PDF)")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--student", metavar="NUM", help="un auditeur")
    who.add_argument("--all", action="store_true", help="tous les auditeurs ayant réussi au moins une UE")
    parser.add_argument("--year", required=True, metavar="ANNÉE", help="année universitaire, par exemple 2023-2024")
    parser.add_argument(
        "--out", required=True, metavar="CHEMIN",
        help="un fichier .pdf ; avec --all, un .pdf (une page par auditeur) ou un dossier (un PDF par auditeur)",
    )
    parser.set_defaults(handler=attestation)


def _session_exam(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--session", required=True, metavar="CLÉ", help="la session, par exemple 2023-2024/S1/1")
    parser.add_argument("--exam", required=True, metavar="UE", help="le code de l'UE, par exemple NFA031")


def grade_sheet(args: argparse.Namespace) -> int:
    from cnam_desk.grading import grade_sheet as sheets  # deferred on purpose: openpyxl

    db = open_db(args)
    if args.all:
        written = sheets.write_all_sheets(db, args.session, args.out)
        if args.json:
            print_json({"files": [item.as_json() for item in written], "students": sum(w.students for w in written)})
        else:
            print(f"{len(written)} feuille(s) de notes écrite(s) dans {args.out} "
                  f"({sum(w.students for w in written)} auditeur(s)).")
        return 0
    one = sheets.write_grade_sheet(db, args.session, args.exam, args.out)
    if args.json:
        print_json({"file": str(one.path), "exam": one.ue_code, "students": one.students})
    else:
        print(f"Feuille de notes de {one.ue_code} (session {args.session}, {one.students} auditeur(s)) "
              f"écrite dans {one.path}.")
    return 0


def import_grades(args: argparse.Namespace) -> int:
    from cnam_desk.grading import importing  # deferred on purpose: spreadsheet and PDF libraries

    db = open_db(args)
    preview = importing.preview_import(db, args.file, args.session, args.exam, second_entry=args.second_entry)
    if not preview.ok:
        if args.json:
            # Every problem by row for a script; the refusal line names the first one.
            print_json(preview.as_json())
        raise preview.refusal()
    saved = importing.apply_import(db, preview)
    if not args.json:
        for warning in preview.warnings:
            print(f"Attention : {warning}.")
    if args.json:
        print_json(preview.as_json(saved))
        return 0
    what = "seconde(s) saisie(s)" if preview.second_entry else "note(s)"
    print(f"{saved} {what} enregistrée(s) ({preview.unchanged} inchangée(s), {preview.empty} ligne(s) sans note).")
    if preview.mismatches:
        print(f"{preview.mismatches} désaccord(s) entre la première et la seconde saisie, à trancher "
              "(grades --json : mismatch ; settle-grade).")
    return 0


def grades(args: argparse.Namespace) -> int:
    from cnam_desk.grading import entry, rules  # deferred on purpose: the services and SQLAlchemy

    sheet = entry.sheet_by_keys(open_db(args), args.session, args.exam)
    if args.json:
        print_json([row.as_json() for row in sheet.rows])
        return 0
    state = sheet.publication.text if sheet.publication else "non publiées"
    print(f"{sheet.ref.ue_code} – {sheet.ref.ue_title}, session {sheet.ref.session_key} : notes {state}")
    doubled = any(row.second_entry is not None for row in sheet.rows)
    for row in sheet.rows:
        result = row.result.value if row.result else ""
        line = f"{row.student_number:12} {row.name:40.40} {rules.grade_text(row.grade):>6} {result:3}"
        if doubled:
            line += f" 2de saisie {rules.grade_text(row.second_entry) or '—':>6}" + ("  DÉSACCORD" if row.mismatch else "")
        print(line.rstrip())
    stats = entry.sheet_statistics(sheet)
    print(f"{stats.enrolled} auditeur(s), {stats.entered} note(s) saisie(s), {stats.missing} manquante(s), "
          f"{stats.absent} absent(s)")
    if doubled:
        print(f"{sum(1 for row in sheet.rows if row.mismatch)} désaccord(s) de la double saisie à trancher")
    return 0


def set_grade(args: argparse.Namespace) -> int:
    from cnam_desk.grading import entry, rules  # deferred on purpose: the services and SQLAlchemy

    row = entry.set_grade(
        open_db(args), args.session, args.exam, args.student, args.value, reason=args.reason,
        expect_version=args.expect_version,
    )
    text = rules.grade_text(row.grade) or "effacée"
    print(f"Note de {row.name} ({row.student_number}) en {args.exam.upper()} : {text}"
          + (f" ({row.result.value})" if row.result else "") + ".")
    return 0


def settle_grade(args: argparse.Namespace) -> int:
    from cnam_desk.grading import double_entry, rules  # deferred on purpose: the services and SQLAlchemy

    before, after = double_entry.settle_by_keys(open_db(args), args.session, args.exam, args.student, args.grade)
    if args.json:
        print_json({"student_number": after.student_number, "first_entry": rules.json_grade(before.grade),
                    "second_entry": rules.json_grade(before.second_entry), "grade": rules.json_grade(after.grade),
                    "result": after.result.value if after.result else None, "version": after.version})
        return 0
    print(f"Désaccord tranché pour {after.name} ({after.student_number}) en {args.exam.upper()} : "
          f"{rules.grade_text(after.grade)} (1re saisie {rules.grade_text(before.grade)}, "
          f"2de saisie {rules.grade_text(before.second_entry)}).")
    return 0


def double_entry_setting(args: argparse.Namespace) -> int:
    from cnam_desk.grading import double_entry  # deferred on purpose: the services and SQLAlchemy

    db = open_db(args)
    if args.required or args.optional:
        double_entry.set_required(db, args.required)
    required = double_entry.required(db)
    if args.json:
        print_json({"required": required})
    else:
        print("Double saisie des notes : " + ("obligatoire avant publication." if required else "facultative."))
    return 0


def publish(args: argparse.Namespace) -> int:
    from cnam_desk.grading import entry  # deferred on purpose: the services and SQLAlchemy

    info = entry.publish_by_keys(open_db(args), args.session, args.exam)
    print(f"Notes de {args.exam.upper()} (session {args.session}) {info.text}.")
    return 0


def export_results(args: argparse.Namespace) -> int:
    from cnam_desk.grading import export  # deferred on purpose: spreadsheet and PDF libraries

    summary = export.export_results(open_db(args), args.session, args.out)
    print(f"{summary.rows} résultat(s) publiés ({', '.join(summary.units)}) écrits dans {summary.path}.")
    return 0


def session2(args: argparse.Namespace) -> int:
    from cnam_desk.grading import session2 as roster_service  # deferred on purpose: openpyxl

    roster = roster_service.session2_roster(open_db(args), args.semester)
    if roster.warning:
        print(roster.warning, file=sys.stderr)  # stdout stays the list (--json unchanged)
    if args.out:
        roster_service.write_roster_xlsx(roster, args.out)
    if args.json:
        print_json([item.as_json() for item in roster.entries])
        return 0
    print(f"{roster.title} : {len(roster.entries)} inscription(s) à l'épreuve. {roster_service.NO_CONVOCATION}")
    for item in roster.entries:
        print(f"{item.ue_code:8} {item.student_number:12} {item.last_name.upper()} {item.first_name} "
              f"(session 1 : {item.outcome_text})")
    if args.out:
        print(f"Liste écrite dans {args.out}.")
    return 0


def attestation(args: argparse.Namespace) -> int:
    from cnam_desk.grading import paper  # deferred on purpose: spreadsheet and PDF libraries

    paths = paper.write_success(open_db(args), args.year, args.out, None if args.all else args.student)
    where = paths[0] if len(paths) == 1 else f"{len(paths)} fichiers dans {args.out}"
    print(f"Attestation(s) de réussite {args.year} écrite(s) : {where}.")
    return 0
