"""Where the program keeps its files: data folder, settings, logs, backups, resources."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

import platformdirs

APP_NAME = "cnam-desk"
RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def _home() -> Path | None:
    # One variable moves every file of the program (tests, portable installs).
    home = os.environ.get("CNAM_DESK_HOME")
    return Path(home) if home else None


def data_dir() -> Path:
    home = _home()
    path = home / "data" if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    home = _home()
    path = home / "config" if home else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_database_path() -> Path:
    return data_dir() / "cnam-desk.sqlite3"


def demo_database_path() -> Path:
    return data_dir() / "demo.sqlite3"


def log_dir() -> Path:
    path = data_dir() / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def backup_dir() -> Path:
    path = data_dir() / "backups"
    path.mkdir(parents=True, exist_ok=True)
    return path


def resource(*parts: str) -> Path:
    return RESOURCES.joinpath(*parts)


# --- names of the files the program writes -----------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_RESERVED = re.compile(r"(con|prn|aux|nul|com[0-9]|lpt[0-9])", re.IGNORECASE)  # Windows' device names
NAME_MAX = 120


# Latin letters that carry no accent to strip, so NFKD leaves them whole: spelled as ASCII.
_LATIN_LETTERS = str.maketrans({
    "Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i",
    "ß": "ss", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Þ": "Th", "þ": "th", "Ð": "D", "ð": "d",
})  # fmt: skip


def safe_file_name(name: str, *, fallback: str = "fichier") -> str:
    """A file name made of safe characters only: letters without accents, digits, « - », « _ », one « . » before the suffix.

    Whatever it is made from (a student number, a name, a session key), the result is one name
    in the folder it is written to, never a path: « ../../x » gives « x », « 777/1 » « 777-1 ».
    """
    stem, dot, suffix = name.rpartition(".")
    if not dot or not re.fullmatch(r"[A-Za-z0-9]{1,8}", suffix):
        stem, suffix = name, ""

    def clean(text: str) -> str:
        plain = unicodedata.normalize("NFKD", text.translate(_LATIN_LETTERS)).encode("ascii", "ignore").decode("ascii")
        return re.sub(r"-{2,}", "-", _UNSAFE.sub("-", plain)).strip("-_")

    stem = clean(stem)[:NAME_MAX] or fallback
    if _RESERVED.fullmatch(stem):
        stem = f"{stem}-{fallback}"
    return f"{stem}.{suffix.lower()}" if suffix else stem


class UniqueNames:
    """The file names of one batch: each safe, none twice (case ignored: Windows and macOS disks)."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def __call__(self, name: str) -> str:
        safe = safe_file_name(name)
        stem, dot, suffix = safe.rpartition(".")
        if not dot:
            stem, suffix = safe, ""
        candidate, n = safe, 1
        while candidate.lower() in self._used:
            n += 1
            candidate = f"{stem}-{n}.{suffix}" if suffix else f"{stem}-{n}"
        self._used.add(candidate.lower())
        return candidate
