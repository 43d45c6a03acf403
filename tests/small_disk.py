"""A small disk for output tests: a tmpfs of a few kilobytes (needs the right to mount; else skipped)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def mounted(folder: Path, size: str = "48k", read_only: bool = False) -> Iterator[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    if os.geteuid() != 0:
        pytest.skip("monter un petit disque demande les droits d'administration")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], check=False, capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"montage tmpfs impossible ici : {done.stderr.decode(errors='replace').strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False, capture_output=True)


@contextmanager
def read_only_copy(folder: Path, *files: Path) -> Iterator[Path]:
    """A small disk holding copies of `files`, then mounted read-only (a locked key, a read-only share)."""
    import shutil

    with mounted(folder, size="64m") as disk:
        for file in files:
            shutil.copy2(file, disk / file.name)
        done = subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=False, capture_output=True)
        if done.returncode != 0:
            pytest.skip("remontage en lecture seule impossible ici")
        yield disk
