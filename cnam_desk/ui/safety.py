"""Keeping the database safe from the window: backup, restore, check, damaged database, network share."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QWidget

from cnam_desk import backup, integrity, netshare
from cnam_desk.db import migrate
from cnam_desk.errors import RefusedInput
from cnam_desk.ui import msgbox, tasks

log = logging.getLogger("cnam_desk.ui.safety")
BACKUP_FILTER = "Sauvegardes Cnam Desk (*.sqlite3 *.sqlite *.db);;Tous les fichiers (*)"

# The network-share dialog is shown once per start of the program, whatever windows open.
_share_warned = False


# --- file choosers (replaced in tests) -------------------------------------------------------


def ask_save_path(parent: QWidget | None, suggested: Path) -> Path | None:
    return msgbox.save_file(parent, "Sauvegarder la base", str(suggested), BACKUP_FILTER)


def ask_open_path(parent: QWidget | None, folder: Path) -> Path | None:
    return msgbox.open_file(parent, "Restaurer une sauvegarde", BACKUP_FILTER, str(folder))


def _documents() -> Path:
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or Path.home())


# --- before the window opens -----------------------------------------------------------------


def ensure_sound(parent: QWidget | None, path: Path) -> bool:
    """Quick check of a SQLite file before it is opened; a damaged one is offered its latest backup."""
    problem = integrity.quick_check(path)
    if problem is None:
        return True
    return offer_restore(parent, path, problem)


def offer_restore(parent: QWidget | None, path: Path, problem: str) -> bool:
    """Say the database is damaged and offer to restore the latest backup; True when it was restored."""
    latest = backup.list_backups(path)
    if not latest:
        msgbox.error(
            parent,
            "Base endommagée",
            f"La base « {path} » est endommagée ({backup.in_french(problem)}) et aucune sauvegarde "
            "automatique n'a été trouvée.\n\nSi vous avez une sauvegarde, restaurez-la avec la commande "
            "« cnam-desk restore FICHIER » ; sinon, faites appel au support.",
        )
        return False
    newest = latest[0]
    if not msgbox.question(
        parent,
        "Base endommagée",
        f"La base « {path} » est endommagée ({backup.in_french(problem)}).\n\n"
        f"La dernière sauvegarde date du {newest.made_at:%d/%m/%Y à %H:%M} ({newest.label}). "
        "Voulez-vous la restaurer maintenant ?\n\nLa base endommagée sera gardée de côté. Ce qui a été "
        "saisi depuis cette sauvegarde sera à ressaisir.",
    ):
        return False
    try:
        report = backup.restore(path, newest.path)
    except RefusedInput as error:
        msgbox.error(parent, "Restauration impossible", str(error))
        return False
    msgbox.information(parent, "Base restaurée", _restored_text(report))
    return True


def _restored_text(report: backup.RestoreReport) -> str:
    lines = [f"La sauvegarde du {_file_time(report.restored_from)} a été restaurée."]
    if report.safety_copy is not None:
        lines.append(f"La base telle qu'elle était juste avant est gardée ici :\n{report.safety_copy}")
    if report.set_aside is not None:
        lines.append(f"La base endommagée est gardée ici :\n{report.set_aside}")
    return "\n\n".join(lines)


def _file_time(path: Path) -> str:
    try:
        return f"{dt.datetime.fromtimestamp(path.stat().st_mtime):%d/%m/%Y à %H:%M}"
    except OSError:
        return "?"


# --- in the window ---------------------------------------------------------------------------


class SafetyActions:
    """Fichier > Sauvegarder / Restaurer / Vérifier, and the network-share notice in the status bar."""

    def __init__(self, window) -> None:  # type: ignore[no-untyped-def]
        self.window = window
        self.backup_action = QAction("&Sauvegarder la base…", window)
        self.backup_action.triggered.connect(self.save_backup)
        self.restore_action = QAction("&Restaurer une sauvegarde…", window)
        self.restore_action.triggered.connect(self.restore_backup)
        self.check_action = QAction("&Vérifier la base", window)
        self.check_action.triggered.connect(self.check_database)
        for action in (self.backup_action, self.restore_action, self.check_action):
            window.add_file_action(action)
        window.file_menu.insertSeparator(window.quit_action)
        self.daily_finished = False
        self.share_warning = netshare.warning_for(window.db.url)
        self.share_label: QLabel | None = None
        if self.share_warning is not None:
            self.share_label = QLabel("⚠ Base sur un partage réseau : utilisez PostgreSQL pour travailler à plusieurs")
            self.share_label.setStyleSheet("color: #b45309; font-weight: bold")
            self.share_label.setToolTip(self.share_warning)
            window.statusBar().insertPermanentWidget(0, self.share_label)

    @property
    def path(self) -> Path | None:
        return backup.sqlite_file(self.window.db.engine)

    def after_start(self) -> None:
        """Once the window shows: the day's backup, then the network-share warning (once per start)."""
        global _share_warned
        path = self.path
        self.daily_finished = path is None
        if path is not None:
            self.daily_job = tasks.run_with_progress(
                self.window, "Sauvegarde du jour…", lambda: _daily(path), self._daily_done, self._daily_refused,
                on_end=self._daily_ended,
            )
        if self.share_warning is not None and not _share_warned:
            _share_warned = True
            msgbox.warning(self.window, "Base sur un partage réseau", self.share_warning)

    def _daily_ended(self) -> None:
        self.daily_finished = True

    def _daily_done(self, made: Path | None) -> None:
        if made is not None:
            self.window.statusBar().showMessage("Sauvegarde du jour faite.", 5000)

    def _daily_refused(self, error: BaseException) -> None:
        if isinstance(error, RefusedInput):
            log.warning("sauvegarde du jour impossible : %s", type(error).__name__)
            msgbox.warning(self.window, "Sauvegarde du jour impossible", str(error))
        # cancelled: the clerk stopped the backup; the next start makes it

    def save_backup(self) -> None:
        path = self.path
        if path is None:
            msgbox.information(self.window, "Sauvegarder la base", backup.POSTGRES_MESSAGE)
            return
        suggested = _documents() / f"{path.stem}-{dt.date.today():%Y-%m-%d}.sqlite3"
        out = ask_save_path(self.window, suggested)
        if out is None:
            return
        try:
            backup.manual(path, out)
        except RefusedInput as error:
            msgbox.warning(self.window, "Sauvegarde impossible", str(error))
            return
        msgbox.information(self.window, "Sauvegarder la base", f"Sauvegarde écrite :\n{out}")

    def restore_backup(self) -> None:
        path = self.path
        if path is None:
            msgbox.information(self.window, "Restaurer une sauvegarde", backup.POSTGRES_MESSAGE)
            return
        chosen = ask_open_path(self.window, backup.backup_folder(path))
        if chosen is None:
            return
        try:
            revision = backup.inspect_backup(chosen)
        except RefusedInput as error:
            msgbox.warning(self.window, "Restauration impossible", str(error))
            return
        if not msgbox.question(
            self.window,
            "Restaurer une sauvegarde",
            f"Remplacer la base par la sauvegarde du {_file_time(chosen)} ?\n\nCe qui a été saisi depuis "
            "sera à ressaisir. La base actuelle est d'abord sauvegardée.",
        ):
            return
        db = self.window.db
        db.dispose()  # no pooled connection of ours stays on the old content
        try:
            report = backup.restore(path, chosen)
            if revision not in migrate.head_revisions():
                migrate.upgrade(db.engine)
        except RefusedInput as error:
            msgbox.warning(self.window, "Restauration impossible", str(error))
            return
        reload_tabs(self.window)
        msgbox.information(self.window, "Base restaurée", _restored_text(report))

    def check_database(self) -> None:
        report = integrity.check(self.window.db.url)
        if report.ok:
            msgbox.information(
                self.window, "Vérifier la base", "La base est saine : intégrité vérifiée, clés étrangères cohérentes."
            )
            return
        problems = "\n".join(f"• {p}" for p in report.problems[:10])
        path = self.path
        if path is not None and backup.list_backups(path):
            # A damaged open database: offer the latest backup at once.
            self.window.db.dispose()
            if offer_restore(self.window, path, "; ".join(report.problems[:3])):
                migrate.upgrade(self.window.db.engine)
                reload_tabs(self.window)
            return
        msgbox.warning(self.window, "Vérifier la base", f"La base a des problèmes :\n{problems}")


def _daily(path: Path) -> Iterator[tasks.Progress]:
    """The day's backup off the main thread: a large database takes a few seconds to copy and check."""
    yield tasks.Progress(0, 0, "Sauvegarde du jour de la base…")
    return backup.daily(path)


def reload_tabs(window) -> None:  # type: ignore[no-untyped-def]
    """Every tab reads the database again (after a restore)."""
    for index in range(window.tabs.count()):
        reload = getattr(window.tabs.widget(index), "reload", None)
        if reload is not None:
            reload()


def install(window) -> SafetyActions:  # type: ignore[no-untyped-def]
    return SafetyActions(window)
