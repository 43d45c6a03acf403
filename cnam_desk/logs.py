"""The program's log file, in the user's data folder. It holds no grades and no personal data."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from cnam_desk import paths

LOG_NAME = "cnam-desk.log"
_configured = False


def log_file() -> Path:
    return paths.log_dir() / LOG_NAME


def configure() -> Path:
    global _configured
    path = log_file()
    if not _configured:
        handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger("cnam_desk")
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        _configured = True
    return path


def log_unexpected(where: str) -> Path:
    """Log the exception being handled (type and traceback only) and return the log's path."""
    path = configure()
    logging.getLogger("cnam_desk").exception("erreur inattendue : %s", where)
    return path
