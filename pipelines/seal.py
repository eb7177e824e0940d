"""The county's seal on the workbooks it sends to townships: an HMAC over the hidden `_dixian` sheet.

A plain sha256 of the sheet could be recomputed by anyone who edits it (point a visit at another
household's warnings, recompute, and an answer lands on the wrong family). The HMAC needs the county's
secret, which never leaves the bureau: `<data>/county/seal.key`, created on the first export (owner-only
permissions) and never written into a workbook, a log or the analysts' copy.

Workbooks sealed before the key existed carry the old sha256 seal; they are accepted for the periods
issued before the key (`since`), always with the importer's household check, and the import report says so.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

KEY_FILE = "seal.key"
KEYED = "hmac-sha256"
"""The meta sheet's last row key for a keyed seal."""
LEGACY = "sha256"
"""The meta sheet's last row key for the old, unkeyed fingerprint."""


class SealKeyError(ValueError):
    """The county key file is unreadable or malformed: the message names the file and how to fix it."""


@dataclass(frozen=True)
class SealKey:
    secret: bytes
    since: str
    """The first period sealed with this key (YYYY-MM): older workbooks carry the legacy seal."""


def canonical(entries: Sequence[tuple[str, str, str]]) -> bytes:
    """The meta rows as canonical JSON (order-sensitive, as written)."""
    return json.dumps([list(e) for e in entries], ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def legacy_digest(entries: Sequence[tuple[str, str, str]]) -> str:
    return hashlib.sha256(canonical(entries)).hexdigest()


def keyed_digest(entries: Sequence[tuple[str, str, str]], key: SealKey) -> str:
    return hmac.new(key.secret, canonical(entries), hashlib.sha256).hexdigest()


def verify(entries: Sequence[tuple[str, str, str]], kind: str, digest: str, key: SealKey | None) -> bool:
    """Whether `digest` seals `entries` (constant-time comparison)."""
    if kind == KEYED:
        return key is not None and hmac.compare_digest(keyed_digest(entries, key), digest)
    if kind == LEGACY:
        return hmac.compare_digest(legacy_digest(entries), digest)
    return False


def load_key(county_dir: Path) -> SealKey | None:
    """The county's key, or None before the first keyed export."""
    path = county_dir / KEY_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return SealKey(secret=bytes.fromhex(data["secret"]), since=str(data["since"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SealKeyError(
            f"{path}: the county seal key cannot be read ({exc}); restore it from the bureau's backup — "
            "without it, returned workbooks cannot be verified | 本县核实表密钥文件损坏，请从备份恢复"
        ) from exc


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def county_key(county_dir: Path, period: str) -> SealKey:
    """The county's key, created (owner-only, atomically) on the first export, `since` that period."""
    existing = load_key(county_dir)
    if existing is not None:
        return existing
    county_dir.mkdir(parents=True, exist_ok=True)
    key = SealKey(secret=secrets.token_bytes(32), since=period)
    path = county_dir / KEY_FILE
    try:  # O_EXCL: never replaces a key another process created meanwhile (works on any file system)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        fd = -1
    if fd >= 0:
        try:
            os.write(fd, json.dumps({"secret": key.secret.hex(), "since": key.since}).encode("ascii"))
            os.fsync(fd)  # on disk before any workbook is sealed with it
        finally:
            os.close(fd)
        _fsync_dir(county_dir)
    loaded = load_key(county_dir)
    if loaded is None:
        raise SealKeyError(f"{path}: the county seal key could not be created")
    return loaded
