"""Files a batch writes (letters, exports, attestations, lists): all in place, or none.

Each file is written under a hidden temporary name in its folder, then every one is renamed into
place at the end, inside the transaction that records them: a killed run or a full disk never
leaves a half-written file under its final name, nor a record of a file that is not there.
Failures are said in one French line that names the final file, never a temporary one.
"""

from __future__ import annotations

import errno
import io
import os
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from cnam_desk.errors import RefusedInput
from cnam_desk.progress import Progress

Item = TypeVar("Item")

TEMPORARY_SUFFIX = ".part"

# What an operating system error means for the clerk, by errno.
_REASONS = {
    errno.ENOSPC: "disque plein",
    errno.EDQUOT: "quota du disque dépassé",
    errno.EROFS: "support en lecture seule",
    errno.EACCES: "accès refusé",
    errno.EPERM: "accès refusé",
    errno.ENOENT: "dossier introuvable",
    errno.ENOTDIR: "un des éléments du chemin est un fichier, pas un dossier",
    errno.EISDIR: "c'est un dossier, pas un fichier",
    errno.EEXIST: "existe déjà",
    errno.ENAMETOOLONG: "nom trop long",
    errno.EIO: "erreur de lecture ou d'écriture sur le disque",
    errno.EMFILE: "trop de fichiers ouverts",
    errno.EFBIG: "fichier trop grand pour ce disque",
}


def reason(error: OSError) -> str:
    """The French words for an operating system error ("disque plein", "accès refusé")."""
    return _REASONS.get(error.errno or 0, "erreur du système de fichiers")


def final_name(path: str | os.PathLike[str]) -> Path:
    """The file a temporary name stands for (« .lettre.pdf.123.part » → « lettre.pdf »)."""
    path = Path(path)
    name = path.name
    if name.startswith(".") and name.endswith(TEMPORARY_SUFFIX):
        inner = name[1 : -len(TEMPORARY_SUFFIX)]
        stem, _, pid = inner.rpartition(".")
        return path.with_name(stem if pid.isdigit() else inner)
    return path


def describe(error: OSError) -> str:
    """« Impossible d'écrire « /x/lettre.pdf » : disque plein. »"""
    if error.filename:
        return f"Impossible d'écrire « {final_name(error.filename)} » : {reason(error)}."
    return f"Impossible d'écrire : {reason(error)}."


def ensure_folder(folder: str | os.PathLike[str]) -> Path:
    """The output folder, created if it does not exist yet; a file in its place is named as a file."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise RefusedInput(f"« {folder} » est un fichier, pas un dossier : choisissez un dossier pour les fichiers produits.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RefusedInput(f"Impossible de créer le dossier « {folder} » : {reason(error)}.") from None
    return folder


def ensure_parent(target: str | os.PathLike[str]) -> Path:
    """An output file's path: its folder created if missing; a folder in its place is refused."""
    target = Path(target)
    if target.is_dir():
        raise RefusedInput(f"« {target} » est un dossier : indiquez le nom du fichier à écrire.")
    ensure_folder(target.parent)
    return target


class Batch:
    """The files of one batch, written under temporary names and put in place together."""

    def __init__(self, noun: str, plural: str, total: int, feminine: bool = False) -> None:
        self.noun, self.plural, self.total, self.feminine = noun, plural, total, feminine
        self.written = 0  # files completely written, for the message if the batch fails
        self._pending: list[tuple[Path, Path]] = []
        self._placed: list[Path] = []

    def temporary(self, target: str | os.PathLike[str]) -> Path:
        """Where to write the file that will be `target`: hidden, in the same folder (same disk)."""
        target = Path(target)
        if any(final == target for _tmp, final in self._pending):
            raise ValueError(f"two files of one batch named {target.name}")
        tmp = target.with_name(f".{target.name}.{os.getpid()}{TEMPORARY_SUFFIX}")
        self._pending.append((tmp, target))
        return tmp

    def wrote(self, number: int = 1) -> None:
        """`number` more files are completely written."""
        self.written += number

    def place(self) -> list[Path]:
        """Rename every written file into place; the finals, in the order they were asked for."""
        for tmp, final in self._pending:
            os.replace(tmp, final)
            self._placed.append(final)
        self._pending = []
        return list(self._placed)

    def discard(self) -> None:
        for path in [tmp for tmp, _final in self._pending] + self._placed:
            try:
                path.unlink(missing_ok=True)
            except OSError:
                pass  # a read-only or vanished medium: there is nothing of ours left on it to remove
        self._pending, self._placed = [], []

    def failure(self, error: OSError) -> str:
        """« disque plein : 3 courriers sur 40 écrits, rien n'a été enregistré. »"""
        named = error.filename or (self._pending[-1][0] if self._pending else None)
        where = f"« {final_name(named)} »" if named else "le fichier"
        if self.total == 1:
            return f"{reason(error)} : {where} n'a pas été écrit, rien n'a été enregistré."
        number = self.written
        words = f"{number} {self.noun if number <= 1 else self.plural} sur {self.total} écrit"
        words += ("e" if self.feminine else "") + ("s" if number > 1 else "")
        return f"{reason(error)} : {words}, rien n'a été enregistré ({where})."


@contextmanager
def batch(noun: str, plural: str, total: int, *, feminine: bool = False) -> Iterator[Batch]:
    """A batch of files: on any failure, everything it wrote is removed and one French line says so.

    Record the files in the database inside this block, after `place()`: if the recording fails,
    the files go too.
    """
    files = Batch(noun, plural, total, feminine)
    try:
        yield files
    except OSError as error:
        files.discard()
        message = files.failure(error)
        raise RefusedInput(message[0].upper() + message[1:]) from None
    except BaseException:
        files.discard()
        raise


def write_bytes(path: Path, fill: Callable[[io.BytesIO], None]) -> None:
    """Make a document in memory, then write it in one go (no half-open file left on a full disk)."""
    buffer = io.BytesIO()
    fill(buffer)
    try:
        with open(path, "wb") as handle:
            handle.write(buffer.getbuffer())
    except OSError as error:
        if error.filename:
            raise
        # A write or close error carries no file name: give it the file's, for the clerk's message.
        raise OSError(error.errno, error.strerror, str(path)) from None


@contextmanager
def one_file(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Where to write one output file: a temporary name, put in place when the block ends well."""
    path = ensure_parent(target)
    with batch("fichier", "fichiers", 1) as files:
        temporary = files.temporary(path)
        yield temporary
        files.wrote()
        files.place()


class Changed(Exception):
    """What was prepared is no longer what would be recorded (another workstation changed it)."""


def write_recorded(
    db: Any,
    *,
    plan: Callable[[], tuple[list[Item], list[tuple[Path, Sequence[Item]]]]],
    render: Callable[[Sequence[Item], Path], None],
    record: Callable[[], list[Item]],
    noun: str,
    plural: str,
    feminine: bool = False,
    changed_message: str,
    attempts: int = 3,
) -> Generator[Progress, None, tuple[list[Item], list[Path]]]:
    """Files that the database records (letters, attestations): all in place and recorded, or neither.

    plan() reads what to produce and where (no lock held); each file is rendered under a temporary
    name; then, in one write transaction, record() records the items again from the database and
    must give what was planned (else a colleague changed something: plan again), and the files are
    renamed into place before the commit. A failure removes every file and records nothing.
    """
    for _attempt in range(attempts):
        planned, groups = plan()
        if not planned:
            return planned, []
        total = len(planned)
        try:
            with batch(noun, plural, total, feminine=feminine) as files:
                done = 0
                for path, group in groups:
                    label = (f"{noun.capitalize()} {done + 1} sur {total}" if len(group) == 1
                             else f"{len(group)} {plural} en un seul fichier…")
                    yield Progress(done, total, label)
                    render(group, files.temporary(path))
                    files.wrote(len(group))
                    done += len(group)
                yield Progress(total, total, f"Enregistrement de {total} {noun if total == 1 else plural}…")
                with db.transaction():
                    if record() != planned:
                        raise Changed
                    placed = files.place()
                return planned, placed
        except Changed:
            continue
    raise RefusedInput(changed_message)
