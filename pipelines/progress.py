"""Progress of long work, for whoever is watching: the CLI subscribes, flows and stages emit.

Prefect runs the flow's tasks in this process, so a plain listener list carries progress from a
task to the terminal without going through Prefect's logging.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Listener = Callable[[str, str], None]
"""(stage, message) → None."""

_listeners: list[Listener] = []


def subscribe(listener: Listener) -> None:
    _listeners.append(listener)


def unsubscribe(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def emit(stage: str, message: str) -> None:
    for listener in list(_listeners):
        listener(stage, message)


def reporter(stage: str) -> Callable[[str], None]:
    """A one-argument callback for a stage (what stage functions accept as `progress`)."""
    return lambda message: emit(stage, message)


@contextmanager
def timed(stage: str, timings: dict[str, float] | None = None) -> Iterator[None]:
    """Emit the start and the end of a stage with its wall time (or that it failed); record it in
    `timings`."""
    emit(stage, "start")
    started = time.perf_counter()
    try:
        yield
    except BaseException:
        emit(stage, f"failed after {time.perf_counter() - started:.1f} s")
        raise
    elapsed = time.perf_counter() - started
    if timings is not None:
        timings[stage] = round(elapsed, 2)
    emit(stage, f"done in {elapsed:.1f} s")
