"""`cnam-desk screenshot`: the main window rendered offscreen to a PNG (for the README)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from cnam_desk.commands.common import database_target
from cnam_desk.errors import RefusedInput

TABS = ("tableau", "calendrier", "demandes", "resultats")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("screenshot", help="image PNG de la fenêtre, sans écran")
    parser.add_argument("--tab", choices=TABS, required=True, help="l'onglet à montrer")
    parser.add_argument("--out", required=True, metavar="FICHIER.png", help="l'image à écrire")
    parser.add_argument("--size", default="1280x800", metavar="LxH", help="taille de la fenêtre (1280x800)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        width, height = (int(part) for part in args.size.lower().split("x"))
    except ValueError:
        raise RefusedInput(f"Taille « {args.size} » invalide : attendu par exemple 1280x800.") from None
    target = database_target(args)
    if getattr(args, "demo", False):
        # deferred on purpose: every feature's services, for --demo only (filled on first use, as the window does)
        from cnam_desk import demo
        from cnam_desk.database import open_database  # deferred, as above

        demo.fill(open_database(target))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from cnam_desk.ui.app import (
        render_screenshot,  # deferred on purpose: Qt, after QT_QPA_PLATFORM is set
    )

    render_screenshot(target, args.tab, Path(args.out), (width, height))
    print(f"Image écrite : {args.out}")
    return 0
