"""Errors the clerk is meant to read: refused input and edit conflicts, in French."""

from __future__ import annotations

from dataclasses import dataclass


class RefusedInput(Exception):
    """Input the office cannot accept; the message is French and says what and where."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFound(RefusedInput):
    """A session, request, student or exam named by the clerk does not exist."""


class EditConflict(RefusedInput):
    """Someone else changed the row since it was read (optimistic locking)."""


class DatabaseBusy(RefusedInput):
    """Another workstation kept the database busy for too long; nothing was written."""


class DamagedDatabase(RefusedInput):
    """The database file is damaged or is not a Cnam Desk database; the message offers a backup."""


@dataclass(frozen=True)
class Location:
    """Where a problem sits in an imported file; rows and columns as the spreadsheet shows them."""

    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def describe(self) -> str:
        parts = [f"fichier « {self.file} »"]
        if self.sheet:
            parts.append(f"feuille « {self.sheet} »")
        if self.row is not None:
            parts.append(f"ligne {self.row}")
        if self.column:
            parts.append(f"colonne {self.column}")
        return ", ".join(parts)
