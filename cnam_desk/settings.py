"""Settings, one store per scope, each declared once with its defaults.

- The workstation's own (this computer, this clerk): a JSON file in the user's settings folder,
  `settings.json`; its keys are WORKSTATION below.
- The office's (shared by every workstation: letterhead, logo...): in the database, read and
  written by `cnam_desk.office`.
"""

from __future__ import annotations

import json
from typing import Any

from cnam_desk import paths

WORKSTATION_FILE = "settings.json"

# Every workstation setting and its default.
WORKSTATION: dict[str, Any] = {
    "clerk": "",  # the clerk's name in the audit trail; empty: the operating-system user
    "database": "",  # the database to open (path or URL); empty: the user's own file
    "window_geometry": "",  # the main window's size and place (Qt's saveGeometry, base64)
    "last_tab": 0,  # the tab shown at start
    "current_session": "",  # the window's session (key such as 2023-2024/S1/1); empty: the one that matters now
    "last_folder": "",  # the folder of the last file chosen in a file dialog; empty: the documents folder
    "column_widths": {},  # {table name: {column title: width in pixels}}, the widths the clerk gave
}


def workstation() -> dict[str, Any]:
    """This workstation's settings, every key present (its default when never set)."""
    path = paths.config_dir() / WORKSTATION_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    return WORKSTATION | {key: value for key, value in data.items() if key in WORKSTATION}


def save_workstation(values: dict[str, Any]) -> None:
    unknown = set(values) - set(WORKSTATION)
    if unknown:
        raise KeyError(f"réglages du poste inconnus : {', '.join(sorted(unknown))}")
    path = paths.config_dir() / WORKSTATION_FILE
    data = workstation() | values
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)
