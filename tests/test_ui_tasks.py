"""The one failure policy of background jobs: every failure reaches the clerk, the same way everywhere."""

from __future__ import annotations

import pytest

from cnam_desk.errors import RefusedInput
from cnam_desk.ui import errors, msgbox, tasks


def _failing(error: BaseException):
    def work():
        yield tasks.Progress(0, 1, "")
        raise error

    return work


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    monkeypatch.setattr(msgbox, "information", lambda _p, title, text: seen.append(("information", text)))
    monkeypatch.setattr(msgbox, "warning", lambda _p, title, text: seen.append(("warning", text)))
    monkeypatch.setattr(errors, "report_unexpected", lambda error, _p=None: seen.append(("unexpected", repr(error))))
    return seen


def _run(qtbot, work, on_error=None) -> list[str]:
    ended: list[str] = []
    tasks.run_with_progress(None, "Essai", work, lambda _r: ended.append("done"), on_error,
                            on_end=lambda: ended.append("end"))
    qtbot.waitUntil(lambda: bool(ended), timeout=5000)
    return ended


def test_an_unexpected_error_reaches_the_common_dialog_even_with_a_handler(qtbot, shown) -> None:
    handled: list[BaseException] = []
    assert _run(qtbot, _failing(ZeroDivisionError("x")), handled.append) == ["end"]
    assert handled == [] and shown == [("unexpected", "ZeroDivisionError('x')")]


def test_a_refusal_without_a_handler_is_shown_in_french(qtbot, shown) -> None:
    _run(qtbot, _failing(RefusedInput("ligne 3 : date manquante")))
    assert shown == [("warning", "ligne 3 : date manquante")]


def test_a_cancellation_without_a_handler_says_nothing_was_saved(qtbot, shown) -> None:
    _run(qtbot, _failing(tasks.Cancelled()))
    assert shown == [("information", tasks.CANCELLED_TEXT)]


def test_a_handler_may_show_a_refusal_in_its_own_place(qtbot, shown) -> None:
    handled: list[BaseException] = []
    _run(qtbot, _failing(RefusedInput("non")), handled.append)
    assert [str(e) for e in handled] == ["non"] and shown == []


def test_a_handler_may_leave_a_refusal_to_the_policy(qtbot, shown) -> None:
    _run(qtbot, _failing(RefusedInput("non")), lambda _e: False)
    assert shown == [("warning", "non")]
