"""Printing a PDF on one of the workstation's printers through the system's print service (CUPS).

The PDF is sent as a file (`lp`), so the printer gets exactly what reportlab wrote: same fonts,
searchable text, no repainting.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from cnam_desk.errors import RefusedInput

TIMEOUT_S = 30
_JOB_ID = re.compile(r"request id is (\S+)")
_NO_SERVICE = (
    "Aucun service d'impression n'est installé sur ce poste (CUPS : commandes « lp » et « lpstat » "
    "introuvables). Enregistrez le PDF et imprimez-le depuis un autre poste."
)
_NOT_RUNNING = (
    "Le service d'impression (CUPS) ne répond pas sur ce poste : il est arrêté ou injoignable. "
    "Enregistrez le PDF, ou faites redémarrer le service d'impression."
)


def _command(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise RefusedInput(_NO_SERVICE)
    return path


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    # Messages in English whatever the workstation's language: they are parsed here.
    env = dict(os.environ, LC_ALL="C", LANG="C")
    try:
        return subprocess.run(args, capture_output=True, text=True, env=env, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise RefusedInput(_NOT_RUNNING) from None
    except OSError as error:
        raise RefusedInput(f"{_NO_SERVICE} ({error.strerror})") from None


def _unreachable(stderr: str) -> bool:
    text = stderr.lower()
    return any(
        sign in text
        for sign in ("unable to connect", "bad file descriptor", "scheduler is not running", "connection refused")
    )


def service_running() -> bool:
    """Whether a print service answers on this workstation."""
    if shutil.which("lpstat") is None:
        return False
    result = _run([_command("lpstat"), "-r"])
    return "scheduler is running" in result.stdout


def list_printers() -> list[str]:
    """The names of the printers (and classes) this workstation can print on, sorted."""
    result = _run([_command("lpstat"), "-e"])
    if result.returncode != 0:
        if "no destinations" in result.stderr.lower():
            return []
        if _unreachable(result.stderr) or not service_running():
            raise RefusedInput(_NOT_RUNNING)
        raise RefusedInput(f"Le service d'impression a refusé la demande : {result.stderr.strip()}")
    printers = sorted({line.strip() for line in result.stdout.splitlines() if line.strip()}, key=str.casefold)
    if not printers and not service_running():
        # lpstat lists nothing, without an error, when the scheduler is down.
        raise RefusedInput(_NOT_RUNNING)
    return printers


def default_printer() -> str | None:
    """The workstation's default printer, if one is set."""
    result = _run([_command("lpstat"), "-d"])
    match = re.search(r"system default destination:\s*(\S+)", result.stdout)
    return match.group(1) if match else None


def print_pdf(path: str | os.PathLike[str], printer: str | None = None, title: str = "Cnam Desk", copies: int = 1) -> str:
    """Send a PDF to a printer (the default one when None); returns the print job's id, e.g. "PDF-12"."""
    file = Path(path)
    if not file.is_file() or file.stat().st_size == 0:
        raise RefusedInput(f"Le fichier à imprimer « {file} » est introuvable ou vide.")
    if copies < 1:
        raise RefusedInput("Le nombre d'exemplaires doit être au moins 1.")
    printers = list_printers()
    if printer:
        if printer not in printers:
            known = ", ".join(printers) if printers else "aucune"
            raise RefusedInput(f"L'imprimante « {printer} » est inconnue de ce poste. Imprimantes disponibles : {known}.")
    else:
        if not printers:
            raise RefusedInput("Aucune imprimante n'est installée sur ce poste : enregistrez le PDF pour l'imprimer ailleurs.")
        printer = default_printer()
        if printer is None:
            raise RefusedInput(
                "Aucune imprimante par défaut n'est définie sur ce poste : choisissez-en une "
                f"(imprimantes disponibles : {', '.join(printers)})."
            )
    result = _run([_command("lp"), "-d", printer, "-t", title, "-n", str(copies), "--", str(file)])
    if result.returncode != 0:
        if _unreachable(result.stderr):
            raise RefusedInput(_NOT_RUNNING)
        raise RefusedInput(f"L'imprimante « {printer} » a refusé le document : {result.stderr.strip()}")
    match = _JOB_ID.search(result.stdout)
    if match is None:
        raise RefusedInput(f"Le service d'impression n'a pas confirmé le travail envoyé à « {printer} ».")
    return match.group(1)


def pending_jobs(printer: str | None = None) -> list[str]:
    """Job ids not yet completed (on one printer, or on all)."""
    args = [_command("lpstat"), "-o"]
    if printer:
        args.append(printer)
    result = _run(args)
    return [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
