"""Whole-file ingest failures: one small exception class per failure mode, each carrying its context.

A file that cannot be loaded at all is *refused*: the loader turns the exception into a FileAccount
with `status="refused"`, the class's `category` and a one-line message that names the file, and the
run goes on with the other files. Row-level problems are never exceptions: they are quarantine rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar


class IngestError(Exception):
    """A file that cannot be loaded. `str(exc)` is one line: `<file>: <detail>`."""

    category: ClassVar[str] = "ingest_error"

    def __init__(self, file: Path | str, detail: str) -> None:
        self.file = str(file)
        self.detail = " ".join(str(detail).split())  # one line, whatever the detail held
        super().__init__(f"{self.file}: {self.detail}")

    # kept for callers written against the old ReadError/HeaderError attributes
    @property
    def path(self) -> Path:
        return Path(self.file)

    @property
    def where(self) -> str:
        return self.file

    @property
    def reason(self) -> str:
        return self.detail

    @property
    def message(self) -> str:
        return self.detail


class ReadError(IngestError):
    """The bytes cannot be read as a table (base of the reader failures)."""

    category = "unreadable"


class UnreadableFileError(ReadError):
    """Corrupt or truncated workbook, undecodable text, or a binary format we do not read."""

    category = "unreadable"


class UnsupportedFileTypeError(ReadError):
    """A file type ingest does not read (a PDF, a Word document, an image)."""

    category = "unsupported_type"


class EmptyFileError(ReadError):
    """Zero bytes, only blank lines, or a workbook whose sheets hold nothing."""

    category = "empty_file"


class PasswordProtectedError(ReadError):
    """An encrypted workbook (an encrypted XLSX is an OLE2 container holding an EncryptedPackage)."""

    category = "password_protected"


class HeaderError(IngestError):
    """The header row is missing or lacks what the source needs (base of the header failures)."""

    category = "no_header"


class NoHeaderError(HeaderError):
    """No row among the first rows names at least two known columns of the source."""

    category = "no_header"


class MissingColumnsError(HeaderError):
    """The header row was found but a required column is not there."""

    category = "missing_columns"

    def __init__(
        self,
        file: Path | str,
        detail: str,
        *,
        missing: tuple[str, ...] = (),
        found: tuple[str, ...] = (),
        closest: dict[str, str] | None = None,
    ) -> None:
        super().__init__(file, detail)
        self.missing = missing
        """Chinese labels of the missing required fields."""
        self.found = found
        """Header texts found in the header row."""
        self.closest = closest or {}
        """Missing label → the found header that looks most like one of its aliases."""


class UnknownSourceError(IngestError):
    """The folder names no source and the headers match none."""

    category = "unknown_source"


class AmbiguousSourceError(IngestError):
    """The headers fit several sources equally well: name the source (folder or --source)."""

    category = "ambiguous_source"

    def __init__(self, file: Path | str, detail: str, *, candidates: tuple[str, ...] = ()) -> None:
        super().__init__(file, detail)
        self.candidates = candidates


class UncertainMappingError(HeaderError):
    """A required column is recognised only weakly: the file is not loaded on a guess; a mapping
    proposal is written for the officer to confirm once (pipelines.ingest.mappings)."""

    category = "uncertain_mapping"


class TooLargeError(ReadError):
    """A file over one of the size limits (pipelines.ingest.limits): refused before it can exhaust memory."""

    category = "too_large"
