"""The window's one current session, shared by every tab, and the tabs read only when first shown.

A session chosen in any tab (its session picker, the calendar's tree) becomes the window's; the
other tabs follow it when they are next shown, never while hidden: a tab that has not been shown
has read nothing. Switching to a tab puts the focus where its keys work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QWidget

from cnam_desk import settings
from cnam_desk.errors import RefusedInput
from cnam_desk.schedule.exam_calendar import parse_session_key


def session_label(key: str | None) -> str:
    """« 2023-2024, semestre 1, session 1 » for `2023-2024/S1/1`; the key itself when it is not one."""
    if not key:
        return "aucune session"
    try:
        parsed = parse_session_key(key)
    except RefusedInput:
        return key
    return f"{parsed.year}, semestre {parsed.semester}, session {parsed.session}"


class CurrentSession(QObject):
    """The session the whole window works on; kept between runs (workstation setting `current_session`)."""

    changed = Signal(str)

    def __init__(self, default: Callable[[], str | None], parent: QObject | None = None):
        super().__init__(parent)
        saved = settings.workstation()["current_session"]
        self._key: str | None = saved if isinstance(saved, str) and saved else None
        self._default = default

    def key(self) -> str | None:
        return self._key

    def choose_default(self) -> None:
        """None chosen yet (first run): the session that matters now, for every tab alike."""
        if self._key is None:
            self.set(self._default())

    def set(self, key: str | None) -> None:
        if not key or key == self._key:
            return
        self._key = key
        settings.save_workstation({"current_session": key})
        self.changed.emit(key)


@dataclass
class TabHooks:
    """How the loader reads one tab: the first time, on another session, which key it shows, where keys go."""

    first_load: Callable[[str | None], None]
    show_session: Callable[[str], None]
    shown_key: Callable[[], str | None]
    focus: Callable[[], QWidget | None]


class TabLoader(QObject):
    """Reads each tab when it is first shown, and brings it to the current session when it is next shown."""

    def __init__(self, tabs: Any, state: CurrentSession, parent: QObject | None = None):
        super().__init__(parent)
        self.tabs = tabs
        self.state = state
        self.hooks: dict[QWidget, TabHooks] = {}
        self.loaded: set[QWidget] = set()
        self.showing: dict[QWidget, str | None] = {}  # the session each loaded tab shows
        self.current: QWidget | None = None
        tabs.currentChanged.connect(self._tab_shown)
        state.changed.connect(lambda _key: self._follow())

    def add(self, tab: QWidget, hooks: TabHooks) -> None:
        self.hooks[tab] = hooks

    def is_loaded(self, tab: QWidget) -> bool:
        return tab in self.loaded

    def bring_up_to_date(self, tab: QWidget) -> None:
        hooks = self.hooks.get(tab)
        if hooks is None:
            return
        self.state.choose_default()
        key = self.state.key()
        if tab not in self.loaded:
            self.loaded.add(tab)
            hooks.first_load(key)
        elif key and self.showing.get(tab) != key:
            hooks.show_session(key)
        shown = hooks.shown_key()
        self.showing[tab] = shown
        # A session the tab cannot show (none chosen yet, or gone): the window follows the tab.
        self.state.set(shown)

    def bring_all_up_to_date(self) -> None:
        for tab in self.hooks:
            self.bring_up_to_date(tab)

    def chosen_in(self, tab: QWidget, key: str | None) -> None:
        """The clerk chose a session in a tab: the window's session follows."""
        if tab in self.loaded and key:
            self.showing[tab] = key
            self.state.set(key)

    def _leaving(self, tab: QWidget | None) -> None:
        """A tab may have moved to another session by itself (a request created for another one): the window follows."""
        hooks = self.hooks.get(tab) if tab is not None else None
        if hooks is None or tab not in self.loaded:
            return
        key = hooks.shown_key()
        if key and key != self.showing.get(tab):
            self.showing[tab] = key
            self.state.set(key)

    def _follow(self) -> None:
        current = self.tabs.currentWidget()
        if current in self.loaded:
            self.bring_up_to_date(current)

    def _tab_shown(self, _index: int) -> None:
        self._leaving(self.current)
        tab = self.current = self.tabs.currentWidget()
        self.bring_up_to_date(tab)
        hooks = self.hooks.get(tab)
        target = hooks.focus() if hooks is not None else None
        if target is not None and target.isEnabled():
            target.setFocus(Qt.FocusReason.TabFocusReason)


class ShortcutSync(QObject):
    """A tab's action started by its key from another tab acts on the current session: the tab is read first."""

    def __init__(self, loader: TabLoader, parent: QObject | None = None):
        super().__init__(parent)
        self.loader = loader

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Shortcut:
            owner = watched.parent()
            while owner is not None and owner not in self.loader.hooks:
                owner = owner.parent()
            if owner is not None:
                self.loader.bring_up_to_date(owner)  # type: ignore[arg-type]
        return False
