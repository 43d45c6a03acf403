"""Timing whole processes for the benches: wall clock, peak memory, and how long a SQLite write lock is held.

Every figure is taken from outside the program, as a clerk (or a colleague's workstation) meets it:
start-up, imports and shutdown included.
"""

from __future__ import annotations

import compileall
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float
    lock_seconds: float | None = None
    out: str = ""
    # The wall-clock time (time.time()) the process was started at: a process that prints
    # `shown <time.time()>` tells how long after its start its window was drawn.
    started: float = 0.0

    def shown_after(self, label: str = "shown") -> float:
        """Seconds from the start of the process to the `shown` (or other `label`) line it printed."""
        for line in self.out.splitlines():
            if line.startswith(f"{label} "):
                return float(line.split()[1]) - self.started
        raise SystemExit(f"le processus n'a pas dit quand sa fenêtre était affichée : {self.out[-400:]}")


_COMPILED: list[bool] = []


def compile_sources() -> None:
    """Byte-compile the program's sources once, as installing it does.

    An editable install run with PYTHONDONTWRITEBYTECODE (some CI images, some shells) would
    otherwise compile every module from source at each start, which a clerk's installation never
    does, while the bare libraries, installed by pip, start from their compiled files.
    """
    if not _COMPILED:
        compileall.compile_dir(ROOT / "cnam_desk", quiet=1)
        _COMPILED.append(True)


def program(*arguments: str) -> list[str]:
    """The command line a clerk types, run by this interpreter from the project's (compiled) sources."""
    compile_sources()
    return [sys.executable, "-m", "cnam_desk", *arguments]


def bare(code: str, *arguments: str) -> list[str]:
    """A bare Python process running `code` (the libraries alone, no program code)."""
    return [sys.executable, "-c", code, *arguments]


class LockWatch:
    """Another workstation's view of a SQLite file: for how long could it not take the write lock?"""

    def __init__(self, database: Path, every: float = 0.01):
        self.database, self.every = database, every
        self.held = 0.0
        self.longest = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> LockWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        since: float | None = None
        while not self._stop.is_set():
            now = time.perf_counter()
            if self._locked():
                since = now if since is None else since
            elif since is not None:
                self._count(now - since)
                since = None
            time.sleep(self.every)
        if since is not None:
            self._count(time.perf_counter() - since)

    def _count(self, seconds: float) -> None:
        self.held += seconds
        self.longest = max(self.longest, seconds)

    def _locked(self) -> bool:
        if not self.database.exists():
            return False
        connection = sqlite3.connect(self.database, timeout=0, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            connection.close()


def run(command: Sequence[str], *, env: dict[str, str] | None = None, watch: Path | None = None) -> Run:
    """Run one process to its end: wall clock, peak resident memory (MB), write lock held (if watched)."""
    full_env = dict(os.environ) | {"PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"} | (env or {})
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        watcher = LockWatch(watch) if watch is not None else None
        if watcher is not None:
            watcher.__enter__()
        begin = time.perf_counter()
        started = time.time()
        process = subprocess.Popen(list(command), cwd=ROOT, env=full_env, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(process.pid, 0)  # reaped here: its own rusage, its own peak
        seconds = time.perf_counter() - begin
        process.returncode = os.waitstatus_to_exitcode(status)
        if watcher is not None:
            watcher.__exit__()
        out.seek(0)
        err.seek(0)
        output, errors = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])}… a échoué ({process.returncode}) : {errors[-800:]}")
    return Run(seconds, usage.ru_maxrss / 1024, watcher.held if watcher else None, output, started)


def median(runs: Sequence[Run], attribute: str = "seconds") -> float:
    return statistics.median(getattr(run, attribute) or 0.0 for run in runs)


def median_shown(runs: Sequence[Run], label: str = "shown") -> float:
    return statistics.median(run.shown_after(label) for run in runs)


def peak(runs: Sequence[Run]) -> float:
    return max(run.peak_mb for run in runs)
