"""`cnam-desk backup`, `restore` and `check`: keeping the office's database safe."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cnam_desk.commands.common import add_json_flag, database_target, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    saver = subparsers.add_parser("backup", help="sauvegarder la base (SQLite), ou lister ses sauvegardes")
    what = saver.add_mutually_exclusive_group(required=True)
    what.add_argument("--out", metavar="FICHIER", help="le fichier de sauvegarde à écrire")
    what.add_argument("--list", action="store_true", help="lister les sauvegardes automatiques de la base")
    add_json_flag(saver)
    saver.set_defaults(handler=run_backup)

    restorer = subparsers.add_parser(
        "restore", help="remettre une sauvegarde à la place de la base (la base actuelle est d'abord sauvegardée)"
    )
    restorer.add_argument("file", metavar="FICHIER", help="la sauvegarde à restaurer")
    add_json_flag(restorer)
    restorer.set_defaults(handler=run_restore)

    checker = subparsers.add_parser("check", help="vérifier l'intégrité de la base et ses clés étrangères")
    add_json_flag(checker)
    checker.set_defaults(handler=run_check)

    granter = subparsers.add_parser(
        "grant-clerks",
        help="PostgreSQL : donner au rôle des greffiers les droits du travail courant, "
        "sans droit de modifier ni de supprimer le journal d'audit (à lancer avec le rôle propriétaire)",
    )
    granter.add_argument("role", metavar="RÔLE", help="le rôle PostgreSQL des greffiers (déjà créé)")
    granter.add_argument("--sql", action="store_true", help="écrire les instructions SQL sans les exécuter")
    granter.set_defaults(handler=run_grant_clerks)


def _size(path: Path) -> str:
    size = path.stat().st_size
    return f"{size / 1_000_000:.1f} Mo" if size >= 100_000 else f"{size / 1000:.0f} ko"


def run_backup(args: argparse.Namespace) -> int:
    from cnam_desk import backup  # deferred on purpose: SQLAlchemy and the database layer

    database = backup.require_sqlite(database_target(args))
    if args.list:
        backups = backup.list_backups(database, include_damaged=True)
        if args.json:
            print_json([info.as_json() for info in backups])
        elif not backups:
            print(f"Aucune sauvegarde automatique de la base « {database} » pour l'instant.")
        else:
            for info in backups:
                print(f"{info.made_at:%d/%m/%Y %H:%M}  {info.label:30}  {info.path}")
        return 0
    out = backup.manual(database, Path(args.out).expanduser())
    if args.json:
        print_json({"database": str(database), "out": str(out), "size": out.stat().st_size})
    else:
        print(f"Sauvegarde écrite : {out} ({_size(out)}).")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from cnam_desk import backup  # deferred on purpose: SQLAlchemy and the database layer

    # deferred on purpose: the services and their libraries
    from cnam_desk.database import open_database

    database = backup.require_sqlite(database_target(args))
    report = backup.restore(database, Path(args.file).expanduser())
    # Opening brings an older backup up to the program's schema (with its own backup first).
    open_database(database).dispose()
    if args.json:
        print_json(report.as_json())
        return 0
    print(f"Sauvegarde « {report.restored_from} » restaurée dans « {report.database} ».")
    if report.safety_copy is not None:
        print(f"La base telle qu'elle était avant la restauration est gardée ici : {report.safety_copy}")
    if report.set_aside is not None:
        print(f"La base endommagée a été mise de côté ici : {report.set_aside}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    # deferred on purpose: SQLAlchemy and the database layer
    from cnam_desk import backup, integrity

    target = database_target(args)
    report = integrity.check(target)
    if args.json:
        print_json(report.as_json())
    if report.ok:
        if not args.json:
            print(
                f"Base saine : intégrité vérifiée, clés étrangères cohérentes, schéma {report.revision} "
                f"({report.database})."
            )
            chain = report.trail
            if chain is not None and chain.head_id is not None:
                print(
                    f"Journal d'audit intact : {chain.events} événements chaînés, dernier n° {chain.head_id} "
                    f"(empreinte {chain.head_hash}). Notez-la : un prochain contrôle doit retrouver cet événement avec cette empreinte."
                )
        return 0
    path = backup.sqlite_path(target)
    summary = " ; ".join(report.problems[:3]) + (" ; …" if len(report.problems) > 3 else "")
    if path is not None:
        print(f"cnam-desk : {backup.damaged_message(path, summary)}", file=sys.stderr)
    else:
        print(f"cnam-desk : la base {report.database} a des problèmes : {summary}", file=sys.stderr)
    return 1




def run_grant_clerks(args: argparse.Namespace) -> int:
    # deferred on purpose: the services and their libraries
    from cnam_desk.database import open_database
    from cnam_desk.db import roles  # deferred on purpose: SQLAlchemy

    if args.sql:
        print(";\n".join(roles.statements(args.role)) + ";")
        return 0
    database = open_database(database_target(args))  # as the owner: the schema is brought up to date first
    try:
        done = roles.grant_clerks(database.engine, args.role)
    finally:
        database.dispose()
    print(
        f"Droits donnés au rôle « {args.role} » ({len(done)} instructions) : travail courant sur toutes les tables, "
        "journal d'audit en lecture et ajout seulement."
    )
    return 0
