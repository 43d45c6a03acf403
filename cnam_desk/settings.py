"""Settings: the workstation's own (a JSON file) and the office's (in the database, shared)."""

from __future__ import annotations

import json
from typing import Any

from cnam_desk import paths

WORKSTATION_FILE = "settings.json"


def workstation() -> dict[str, Any]:
    """This workstation's settings: the clerk's name, the database to open."""
    path = paths.config_dir() / WORKSTATION_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_workstation(values: dict[str, Any]) -> None:
    path = paths.config_dir() / WORKSTATION_FILE
    data = workstation() | values
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)
