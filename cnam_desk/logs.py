"""The program's log file, in the user's data folder. It holds no grades and no personal data.

Of an unexpected error the log keeps what a developer needs and nothing a clerk typed: the
exception's type, where it happened in the code (file, line, function, the line of code; never
the values of variables) and its message with every value taken out: quoted text, numbers,
PostgreSQL's "Key (...)=(...)" details and SQL parameters become "…" (the engine is also set to
leave parameters out of its errors). A value can only reach the log by being written, unquoted
and not a number, into an exception message: the program's own messages quote every value « ».
"""

from __future__ import annotations

import logging
import platform
import re
import sys
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from cnam_desk import __version__, paths

LOG_NAME = "cnam-desk.log"
MAX_MESSAGE = 400
_configured = False

_VALUES = [
    re.compile(r"\[parameters:.*?\](?=\s|$)", re.S),  # SQLAlchemy, in case parameters were not hidden
    re.compile(r"=\([^()]*\)"),  # PostgreSQL: Key (number)=(10023000)
    re.compile(r"«[^»]*»"),
    re.compile(r"“[^”]*”"),
    re.compile(r"'(?:[^'\\\n]|\\.)*'"),
    re.compile(r'"(?:[^"\\\n]|\\.)*"'),
    re.compile(r"(?<![\w.])[-+]?\d+(?:[.,]\d+)*(?![\w])"),
]


def scrub(message: str) -> str:
    """An exception message without the values it carried."""
    for pattern in _VALUES:
        message = pattern.sub(lambda m: "=(…)" if m.group(0).startswith("=") else "…", message)
    message = " ".join(message.split())
    return message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE] + " [...]"


def _chain(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        chain.append(current)
        seen.add(id(current))
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return list(reversed(chain))


def describe(error: BaseException) -> str:
    """Type and scrubbed message, one line: what the clerk's dialog shows in its details."""
    kind = type(error)
    name = kind.__qualname__ if kind.__module__ in ("builtins", "__main__") else f"{kind.__module__}.{kind.__qualname__}"
    message = scrub(str(error))
    return f"{name}: {message}" if message else name


def format_error(error: BaseException) -> str:
    """The whole traceback, frames without local values, every message scrubbed."""
    lines: list[str] = []
    chain = _chain(error)
    for index, link in enumerate(chain):
        if index:
            lines.append("")
            caused = chain[index].__cause__ is chain[index - 1]
            lines.append("Cette erreur a causé la suivante :" if caused else "Puis, en traitant cette erreur :")
        lines.append("Traceback (most recent call last):")
        lines.extend(line.rstrip("\n") for line in traceback.format_list(traceback.extract_tb(link.__traceback__)))
        lines.append(describe(link))
    return "\n".join(lines)


class ScrubbingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        # logging caches the exception text on the record: another handler's unscrubbed text must not be reused.
        cached = record.exc_text
        record.exc_text = None
        try:
            return super().format(record)
        finally:
            record.exc_text = cached

    def formatException(self, ei) -> str:  # type: ignore[no-untyped-def]  # noqa: N802 - logging's name
        _kind, error, _trace = ei
        return format_error(error) if error is not None else ""


def log_file() -> Path:
    return paths.log_dir() / LOG_NAME


def configure() -> Path:
    """Send the program's log to its file (once); a folder that cannot be written falls back to stderr."""
    global _configured
    try:
        path = log_file()
    except OSError:
        path = Path(LOG_NAME)
    if not _configured:
        root = logging.getLogger("cnam_desk")
        try:
            handler: logging.Handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
        except OSError:
            handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(ScrubbingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        root.propagate = False
        _configured = True
    return path


def log_start(backend: str) -> None:
    """One line at start: versions and the kind of database, nothing about its content."""
    configure()
    logging.getLogger("cnam_desk").info(
        "démarrage de Cnam Desk %s, Python %s, %s, base %s",
        __version__, platform.python_version(), platform.platform(terse=True), backend,
    )


def log_unexpected(
    where: str,
    error: tuple[type[BaseException], BaseException, TracebackType | None] | None = None,
) -> Path:
    """Log the exception being handled (or the one given) without its values; return the log's path."""
    path = configure()
    logging.getLogger("cnam_desk").error("erreur inattendue : %s", where, exc_info=error or True)
    return path
