"""Kill a batch command at random moments (SIGKILL), many times, and check the database after each kill.

Usage from a test::

    loop = CrashLoop(SqliteStart(prepared_file, tmp_path / "live.sqlite3"), ["demo"], home=private_home)
    report = loop.run(kills=20)
    report.assert_all_or_none()

Each round puts the database back to its starting point, starts `cnam-desk --db URL ARGS...` in a
new process, kills it with SIGKILL after a random delay, then checks: SQLite's integrity_check and
foreign_key_check pass, and the database holds either what it held before (none) or what a run
to the end gives (all); with `recover=True`, running the command again after the kill must reach
"all" too. Delays are drawn between the end of the imports (measured with `--help`) and a little
after the command's own duration (measured by a full run), half of them near the end, so kills
fall on opening the database, on the work, on the commit and just after it.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.dbstate import differences, table_rows

ROOT = Path(__file__).resolve().parent.parent
CLERK = "greffier.crash"

State = dict[str, list[tuple[Any, ...]]]


# --- where the database starts from ----------------------------------------------------------


class SqliteStart:
    """A SQLite file copied into place before each round; `template=None`: the database does not exist yet."""

    def __init__(self, template: Path | None, live: Path):
        self.template = template
        self.live = live

    @property
    def url(self) -> str:
        return f"sqlite:///{self.live}"

    def reset(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(self.live) + suffix).unlink(missing_ok=True)
        if self.template is not None:
            shutil.copyfile(self.template, self.live)

    def problems(self) -> list[str]:
        """integrity_check and foreign_key_check, after SQLite's own recovery of a killed writer."""
        if not self.live.exists():
            return []
        connection = sqlite3.connect(self.live)  # read-write: a left-over WAL is recovered, as the program would
        try:
            found = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            problems = [] if found == ["ok"] else found
            problems += [f"foreign key: {row}" for row in connection.execute("PRAGMA foreign_key_check")]
            return problems
        finally:
            connection.close()

    def state(self) -> State | None:
        if not self.live.exists() or self.live.stat().st_size == 0:
            return None
        return table_rows(self.url)


class PostgresStart:
    """A PostgreSQL database re-created from a template database before each round."""

    def __init__(self, server_url: str, prepared: str, live: str = "cnam_crash_live"):
        parsed = make_url(server_url)
        self.admin_url = parsed.set(database="postgres").render_as_string(hide_password=False)
        self.live_url = parsed.set(database=live).render_as_string(hide_password=False)
        self.template = "cnam_crash_template"
        self.live = live
        self._run(
            f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)',
            f'CREATE DATABASE "{self.template}" TEMPLATE "{prepared}"',
        )

    @property
    def url(self) -> str:
        return self.live_url

    def _run(self, *statements: str) -> None:
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                for statement in statements:
                    connection.execute(text(statement))
        finally:
            engine.dispose()

    def reset(self) -> None:
        self._run(
            f'DROP DATABASE IF EXISTS "{self.live}" WITH (FORCE)',
            f'CREATE DATABASE "{self.live}" TEMPLATE "{self.template}"',
        )

    def problems(self) -> list[str]:
        return []  # the server recovers on its own; the state comparison is the check

    def state(self) -> State | None:
        return table_rows(self.live_url)

    def drop(self) -> None:
        self._run(
            f'DROP DATABASE IF EXISTS "{self.live}" WITH (FORCE)',
            f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)',
        )


# --- the loop --------------------------------------------------------------------------------


@dataclass
class Round:
    delay: float
    outcome: str  # "none", "all", "finished" (the command ended before the kill) or "broken"
    detail: str = ""


@dataclass
class CrashReport:
    command: list[str]
    duration: float
    startup: float
    rounds: list[Round] = field(default_factory=list)

    @property
    def outcomes(self) -> Counter[str]:
        return Counter(r.outcome for r in self.rounds)

    def broken(self) -> list[Round]:
        return [r for r in self.rounds if r.outcome == "broken"]

    def assert_all_or_none(self, *, need_both: bool = True) -> None:
        broken = self.broken()
        assert not broken, f"{self.command}: {len(broken)} kills left a half-done database: " + "; ".join(
            f"after {r.delay:.2f}s: {r.detail}" for r in broken[:5]
        )
        if need_both:
            # Kills must have landed on both sides of the commit, or the loop proved little.
            assert self.outcomes["none"] > 0, f"{self.command}: no kill before the commit ({self.summary()})"
            assert self.outcomes["all"] + self.outcomes["finished"] > 0, f"{self.command}: no kill after the commit ({self.summary()})"

    def summary(self) -> str:
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(self.outcomes.items()))
        return f"{' '.join(self.command)}: {len(self.rounds)} kills ({counts}), run {self.duration:.2f}s, start-up {self.startup:.2f}s"


class CrashLoop:
    def __init__(
        self,
        start: SqliteStart | PostgresStart,
        argv: Sequence[str],
        *,
        home: Path,
        state: Callable[[], State | None] | None = None,
        env: dict[str, str] | None = None,
        recover: bool = False,
        seed: int = 1794,
        before_each: Callable[[], None] | None = None,
        files_check: Callable[[], list[str]] | None = None,
    ):
        self.start = start
        self.argv = list(argv)
        self.home = home
        self.state = state or start.state
        self.env = dict(os.environ) | {
            "PYTHONPATH": str(ROOT),
            "CNAM_DESK_HOME": str(home),
            "CNAM_DESK_CLERK": CLERK,
            "QT_QPA_PLATFORM": "offscreen",
        } | (env or {})
        self.recover = recover
        self.random = random.Random(seed)
        self.mask: dict[str, set[int]] = {}
        # Batches that also write files: clear their folder, and check what a kill left in it.
        self.before_each = before_each or (lambda: None)
        self.files_check = files_check or (lambda: [])

    def _reset(self) -> None:
        self.start.reset()
        self.before_each()

    def _command(self, argv: Sequence[str]) -> list[str]:
        return [sys.executable, "-m", "cnam_desk", "--db", self.start.url, *argv]

    def _complete(self, argv: Sequence[str] | None = None) -> float:
        began = time.monotonic()
        done = subprocess.run(self._command(argv or self.argv), env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise AssertionError(f"{self.argv} failed without being killed: {done.stderr}")
        return time.monotonic() - began

    def calibrate(self) -> tuple[float, float, State | None, State | None]:
        """Time a full run and the start-up; record the database before (none) and after (all)."""
        startups = []
        for _ in range(2):
            began = time.monotonic()
            subprocess.run(self._command([*self.argv, "--help"]), env=self.env, cwd=ROOT, capture_output=True, timeout=120)
            startups.append(time.monotonic() - began)
        durations = []
        ends = []
        for _ in range(2):  # the fastest of two runs: the first one may pay for a cold disk cache
            self._reset()
            none = self.state()
            durations.append(self._complete())
            ends.append(self.state())
            time.sleep(0.01)
        self.mask = _volatile(ends[0], ends[1])
        return min(durations), min(startups), self._masked(none), self._masked(ends[0])

    def _masked(self, state: State | None) -> State | None:
        """The state without the columns two complete runs fill differently (times of day, mostly)."""
        if state is None or not self.mask:
            return state
        masked = dict(state)
        for table, columns in self.mask.items():
            if table in masked:
                masked[table] = sorted(
                    tuple("*" if i in columns else v for i, v in enumerate(row)) for row in masked[table]
                )
        return masked

    def run(self, kills: int) -> CrashReport:
        duration, startup, none, everything = self.calibrate()
        assert none != everything, f"{self.argv} changes nothing: nothing to kill"
        report = CrashReport(self.argv, duration, startup)
        low, high = min(startup * 0.9, duration * 0.5), duration * 1.2
        for index in range(kills):
            self._reset()
            # Half the kills anywhere after the imports, half around the end of the work and its commit.
            delay = self.random.uniform(low, high) if index % 2 else self.random.uniform(duration * 0.75, high)
            process = subprocess.Popen(
                self._command(self.argv), env=self.env, cwd=ROOT,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            )
            try:
                process.wait(timeout=delay)
                finished = True
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
                finished = False
            report.rounds.append(self._judge(delay, finished, none, everything))
        return report

    def _judge(self, delay: float, finished: bool, none: State | None, everything: State | None) -> Round:
        problems = self.start.problems()
        if problems:
            return Round(delay, "broken", "integrity: " + "; ".join(problems[:3]))
        problems = self.files_check()
        if problems:
            return Round(delay, "broken", "files: " + "; ".join(problems[:3]))
        state = self._masked(self.state())
        if finished:
            outcome = "finished"
            if state != everything:
                return Round(delay, "broken", "finished run differs: " + ", ".join(differences(state or {}, everything or {})))
        elif state == none:
            outcome = "none"
        elif state == everything:
            outcome = "all"
        else:
            if not self.recover:
                return Round(delay, "broken", "half-done: " + ", ".join(differences(state or {}, everything or {})))
            outcome = "partial"
        if self.recover and not finished:
            try:
                self._complete()
            except AssertionError as error:
                return Round(delay, "broken", f"after the kill, a new run fails: {error}")
            recovered = self._masked(self.state())
            if recovered != everything:
                return Round(delay, "broken", "after the kill, a new run does not reach the end state: "
                             + ", ".join(differences(recovered or {}, everything or {})))
            if outcome == "partial":
                outcome = "recovered"
        return Round(delay, outcome)


def _volatile(first: State | None, second: State | None) -> dict[str, set[int]]:
    """Columns that differ between two complete runs from the same start: not part of all-or-none."""
    if first is None or second is None:
        return {}
    mask: dict[str, set[int]] = {}
    for table in first:
        a, b = first[table], second.get(table, [])
        if a == b:
            continue
        if len(a) != len(b):
            raise AssertionError(f"two complete runs leave {len(a)} and {len(b)} rows in {table}: not repeatable")
        # Rows are sorted, primary key first: the same row sits at the same place in both.
        mask[table] = {i for x, y in zip(a, b) for i, (u, v) in enumerate(zip(x, y)) if u != v}
    return mask


def kills_from_env(default: int) -> int:
    """CNAM_DESK_CRASH_KILLS raises (or lowers) the number of kills of the long loops."""
    value = os.environ.get("CNAM_DESK_CRASH_KILLS")
    return int(value) if value else default
