"""The `cnam-desk` command line: every batch job, and the window when no command is given.

Exit codes: 0 done; 1 refused input (one French line on stderr); 2 wrong usage;
3 unexpected error (written to the log file).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from cnam_desk.errors import RefusedInput

# Each module of cnam_desk.commands adds its own subcommands with register(subparsers).
COMMAND_MODULES = [
    "calendar",
    "demo",
    "letters",
    "requests",
    "screenshot",
    "planning",
    "maintenance",
    "personal_data",
]

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_UNEXPECTED = 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog} : utilisation incorrecte : {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cnam-desk",
        description="Cnam Desk, le bureau du service des examens. Sans commande : ouvre la fenêtre.",
    )
    parser.add_argument(
        "--db",
        metavar="CHEMIN_OU_URL",
        help="base de données : un fichier SQLite ou une URL SQLAlchemy "
        "(sinon $CNAM_DESK_DB, sinon la base de l'utilisateur)",
    )
    parser.add_argument(
        "--demo", action="store_true", help="ouvrir sur la base de démonstration (créée au premier usage)"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMANDE", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(f"cnam_desk.commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from cnam_desk.commands.common import database_target

        from cnam_desk.ui.app import run_window  # the only path that imports Qt

        return run_window(database_target(args), demo=args.demo)
    try:
        _warn_about_network_share(args)
        return int(args.handler(args) or EXIT_OK)
    except RefusedInput as error:
        print(f"cnam-desk : {error}", file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        print("cnam-desk : interrompu, rien n'a été enregistré de l'opération en cours.", file=sys.stderr)
        return EXIT_REFUSED
    except Exception as error:  # noqa: BLE001 - last resort: log it, tell the clerk where
        from cnam_desk import integrity, logs
        from cnam_desk.commands.common import database_target

        # A damaged, locked, full or unreachable database is not a bug: say what to do, in one line.
        explained = integrity.explain(error, database_target(args))
        if explained is not None:
            print(f"cnam-desk : {explained}", file=sys.stderr)
            return EXIT_REFUSED

        log_file = logs.log_unexpected("commande " + str(args.command))
        print(
            "cnam-desk : erreur inattendue, l'opération a été annulée et rien n'a été enregistré. "
            f"Détails dans le journal : {log_file}",
            file=sys.stderr,
        )
        return EXIT_UNEXPECTED


def _warn_about_network_share(args: argparse.Namespace) -> None:
    from cnam_desk import netshare
    from cnam_desk.commands.common import database_target

    warning = netshare.warning_for(database_target(args))
    if warning is not None:
        print(f"cnam-desk : attention : {warning}", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
