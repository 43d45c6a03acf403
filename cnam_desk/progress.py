"""Long work as generators: the progress they yield, and running one to its end without a window."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Progress:
    """Work done out of total (total 0: not known yet) and one French line on what is going on."""

    done: int
    total: int
    text: str = ""


Steps = Generator[Progress, Any, T]


def run_to_end(steps: Generator[Any, Any, T]) -> T:
    """Drain a generator of progress (command line, tests) and return what it returns."""
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
