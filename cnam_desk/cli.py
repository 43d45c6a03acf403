"""The `cnam-desk` command line: every batch job, and the window when no command is given.

Exit codes: 0 done; 1 refused input (one French line on stderr); 2 wrong usage;
3 unexpected error (written to the log file).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from cnam_desk.commands.common import database_target
from cnam_desk.errors import RefusedInput

# Each module of cnam_desk.commands adds its own subcommands with register(subparsers). Building
# the parser imports every one of them, so their top level imports argparse-level things only
# (cnam_desk.commands.common, cnam_desk.errors): a handler imports the services it runs, with
# their libraries, when it is called. A new command module is one more name here.
COMMAND_MODULES = [
    "calendar",
    "demo",
    "letters",
    "requests",
    "results",
    "screenshot",
    "planning",
    "units",
    "maintenance",
    "personal_data",
    "dashboard",
    "student",
]

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_UNEXPECTED = 3


# argparse's own messages (usage, help, errors) in the office's language: argparse looks them up
# through gettext at run time, so one catalogue here covers every command.
_ARGPARSE_FRENCH = {
    "usage: ": "utilisation : ",
    "positional arguments": "arguments",
    "options": "options",
    "show this help message and exit": "afficher cette aide et quitter",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "one of the arguments %s is required": "un des arguments %s est obligatoire",
    "not allowed with argument %s": "impossible avec l'argument %s",
    "ignored explicit argument %r": "valeur %r ignorée",
    "expected one argument": "une valeur est attendue",
    "expected at most one argument": "une valeur au plus est attendue",
    "expected at least one argument": "au moins une valeur est attendue",
    "ambiguous option: %(option)s could match %(matches)s": "option ambiguë : %(option)s peut être %(matches)s",
    "unexpected option string: %s": "option inattendue : %s",
    "invalid %(type)s value: %(value)r": "valeur %(value)r invalide",
    "invalid choice: %(value)r (choose from %(choices)s)": "choix %(value)r invalide (au choix : %(choices)s)",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
}
_ARGPARSE_FRENCH_PLURAL = {"expected %s argument": ("%s valeur attendue", "%s valeurs attendues")}


def _french(message: str) -> str:
    return _ARGPARSE_FRENCH.get(message, message)


def _french_plural(singular: str, plural: str, number: int) -> str:
    french = _ARGPARSE_FRENCH_PLURAL.get(singular)
    if french is None:
        return singular if number == 1 else plural
    return french[0] if number <= 1 else french[1]


argparse._ = _french  # type: ignore[attr-defined]
argparse.ngettext = _french_plural  # type: ignore[attr-defined]


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
        from cnam_desk.ui.app import (
            run_window,  # deferred on purpose: the only path that imports Qt
        )

        return run_window(database_target(args), demo=args.demo)
    try:
        _warn_about_network_share(args)
        return int(args.handler(args) or EXIT_OK)
    except RefusedInput as error:
        print(f"cnam-desk : {error}", file=sys.stderr)
        return EXIT_REFUSED
    except BrokenPipeError:
        # The reader of the output stopped early (`... --json | head`): the work is done and
        # saved; only what it did not read is lost. Later writes go nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("cnam-desk : interrompu, rien n'a été enregistré de l'opération en cours.", file=sys.stderr)
        return EXIT_REFUSED
    except Exception as error:  # noqa: BLE001 - last resort: log it, tell the clerk where
        # deferred on purpose: SQLAlchemy, only when something failed
        from cnam_desk import integrity, logs

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
    # deferred on purpose: SQLAlchemy (through backup), not for the window
    from cnam_desk import netshare

    warning = netshare.warning_for(database_target(args))
    if warning is not None:
        print(f"cnam-desk : attention : {warning}", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
