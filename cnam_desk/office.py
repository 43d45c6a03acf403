"""The office's letterhead (name, address, logo, signatory), shared by every workstation in the database."""

from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from cnam_desk import paths
from cnam_desk.db.engine import Database
from cnam_desk.db.models import OfficeSetting
from cnam_desk.documents.common import Letterhead
from cnam_desk.errors import RefusedInput

LETTERHEAD_KEY = "letterhead"
LOGO_KEY = "letterhead_logo"
LOGO_MAX_BYTES = 1_000_000
MAX_ADDRESS_LINES = 4


def _logo_cache(digest: str, suffix: str) -> Path:
    folder = paths.data_dir() / "logos"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{digest}{suffix}"


def _materialise(logo: dict[str, Any] | None) -> str | None:
    """The stored logo as a file on this workstation (written once, named by its content)."""
    if not logo or not logo.get("data"):
        return None
    path = _logo_cache(logo["sha256"], logo.get("suffix", ".png"))
    if not path.exists():
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(base64.b64decode(logo["data"]))
        tmp.replace(path)
    return str(path)


def letterhead_in(s: Session) -> Letterhead:
    """The letterhead, inside an open transaction; the defaults while the office has set nothing."""
    row = s.get(OfficeSetting, LETTERHEAD_KEY)
    logo = s.get(OfficeSetting, LOGO_KEY)
    values = dict(row.value) if row is not None and isinstance(row.value, dict) else {}
    values["logo_path"] = _materialise(logo.value if logo is not None else None)
    return Letterhead.from_json(values)


def get_letterhead(db: Database) -> Letterhead:
    with db.transaction(write=False) as s:
        return letterhead_in(s)


def _read_logo(path: str) -> dict[str, Any]:
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError:
        raise RefusedInput(f"Le logo « {path} » est introuvable ou illisible.") from None
    if len(data) > LOGO_MAX_BYTES:
        raise RefusedInput(
            f"Le logo « {file.name} » pèse {len(data) // 1000} ko : {LOGO_MAX_BYTES // 1000} ko au plus."
        )
    try:
        from PIL import Image  # deferred on purpose: Pillow is loaded only to check a logo

        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            kind = (image.format or "").upper()
    except Exception:  # noqa: BLE001 - PIL raises many kinds for a file that is not an image
        raise RefusedInput(f"Le logo « {file.name} » n'est pas une image lisible (PNG ou JPEG attendu).") from None
    if kind not in {"PNG", "JPEG"}:
        raise RefusedInput(f"Le logo « {file.name} » est une image {kind or 'inconnue'} : PNG ou JPEG attendu.")
    return {
        "file_name": file.name,
        "suffix": ".png" if kind == "PNG" else ".jpg",
        "sha256": hashlib.sha256(data).hexdigest(),
        "data": base64.b64encode(data).decode("ascii"),
    }


def validate(letterhead: Letterhead) -> None:
    """The letterhead every letter prints: refuses what would make a letter unusable."""
    for value, label in (
        (letterhead.institution, "le nom de l'établissement"),
        (letterhead.office_name, "le nom du service"),
        (letterhead.city, "la ville (pour « Paris, le … »)"),
        (letterhead.signatory_title, "la qualité du signataire"),
    ):
        if not value.strip():
            raise RefusedInput(f"En-tête des courriers : {label} est obligatoire.")
    lines = [line for line in letterhead.address_lines if line.strip()]
    if not lines:
        raise RefusedInput("En-tête des courriers : l'adresse du service est obligatoire.")
    if len(lines) > MAX_ADDRESS_LINES:
        raise RefusedInput(f"En-tête des courriers : l'adresse tient en {MAX_ADDRESS_LINES} lignes au plus.")
    if letterhead.email and ("@" not in letterhead.email or " " in letterhead.email.strip()):
        raise RefusedInput(f"En-tête des courriers : l'adresse électronique « {letterhead.email} » est invalide.")


def set_letterhead(db: Database, letterhead: Letterhead) -> Letterhead:
    """Save the letterhead for every workstation. A new logo_path is read and stored in the database."""
    cleaned = Letterhead(
        office_name=letterhead.office_name.strip(),
        institution=letterhead.institution.strip(),
        address_lines=tuple(line.strip() for line in letterhead.address_lines if line.strip()),
        city=letterhead.city.strip(),
        phone=letterhead.phone.strip(),
        email=letterhead.email.strip(),
        logo_path=letterhead.logo_path or None,
        signatory_name=letterhead.signatory_name.strip(),
        signatory_title=letterhead.signatory_title.strip(),
    )
    validate(cleaned)
    with db.transaction() as s:
        current = letterhead_in(s)
        values = cleaned.as_json()
        values.pop("logo_path")
        row = s.get(OfficeSetting, LETTERHEAD_KEY)
        if row is None:
            s.add(OfficeSetting(key=LETTERHEAD_KEY, value=values))
        elif row.value != values:
            row.value = values
        logo_row = s.get(OfficeSetting, LOGO_KEY)
        if cleaned.logo_path is None:
            if logo_row is not None:
                s.delete(logo_row)
        elif cleaned.logo_path != current.logo_path:
            logo = _read_logo(cleaned.logo_path)
            if logo_row is None:
                s.add(OfficeSetting(key=LOGO_KEY, value=logo))
            elif logo_row.value.get("sha256") != logo["sha256"]:
                logo_row.value = logo
        s.flush()
        return letterhead_in(s)
