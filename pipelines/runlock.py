"""One writing run per warehouse at a time, for the whole run (not only while a stage holds DuckDB).

DuckDB locks the file only while a connection is open; a run opens one per stage, so without this a
second run could slip in between two stages. The lock is an advisory `flock` on `<warehouse>.lock`: the
kernel drops it when the process ends, however it ends, so a run killed with -9 never blocks the next
one, and the next one knows any run still marked `running` in meta.runs was interrupted.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipelines.warehouse import WarehouseBusy


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


@contextmanager
def run_lock(warehouse: Path) -> Iterator[None]:
    """Hold the warehouse's run lock, or raise WarehouseBusy naming the process that holds it."""
    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "?"
            raise WarehouseBusy(
                f"另一次运行正在进行（进程 {holder}），本次未运行 | another run (process {holder}) is using "
                f"{warehouse}; wait for it to finish"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
