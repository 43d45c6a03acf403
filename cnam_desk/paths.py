"""Where the program keeps its files: data folder, settings, logs, backups, resources."""

from __future__ import annotations

import os
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
