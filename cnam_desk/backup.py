"""Backups of a SQLite database, always through SQLite's online backup (never a file copy)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from sqlalchemy import Engine

from cnam_desk import paths


def sqlite_file(engine: Engine) -> Path | None:
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if database in (None, "", ":memory:"):
        return None
    return Path(database)


def backup_file(source: Path, target: Path) -> Path:
    """Copy a live database consistently, even while another clerk writes to it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    partial.replace(target)
    return target


def before_upgrade(engine: Engine) -> Path | None:
    """Keep the database as it was before a schema upgrade."""
    source = sqlite_file(engine)
    if source is None or not source.exists():
        return None
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return backup_file(source, paths.backup_dir() / f"{source.stem}-avant-mise-a-jour-{stamp}.sqlite3")
