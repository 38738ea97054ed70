"""Provides `check_report`: does a lot report's fingerprint match the records in a database?

The lot report prints the SHA-256 fingerprint of its inspection's records as text (and keeps it,
with the inspection id, in the PDF's keywords). The fingerprint is read back with pypdf and
compared with the one computed now from the database (`fieldtool.core.records.records_fingerprint`
over `SqliteStore.inspection_records`), and the lot's evidence is verified as the report itself
verifies it (`fieldtool.sync.lot_verify.verify_lot`: its records, their links and signatures, the
receipt, its rows), without reading the other lots: a report matches only stored evidence that is
itself intact.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fieldtool.core.records import FOLLOWS_FINALISATION, Record, records_fingerprint
from fieldtool.errors import InputError, NotFoundError
from fieldtool.storage import SqliteStore
from fieldtool.sync.trust import Trust

_HEX64 = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class ReportCheck:
    """The outcome of checking one report."""

    ok: bool
    """The fingerprint matches and the lot's evidence verifies under a trusted key."""
    message: str
    """One line (or a few) saying what was found."""
    report_fingerprint: str | None = None
    """The fingerprint printed in the report."""
    database_fingerprint: str | None = None
    """The fingerprint computed from the database now."""
    inspection_id: str | None = None
    """The inspection the report is of."""
    records: int = 0
    """Records of the inspection in the database."""
    problems: list[str] = field(default_factory=list)
    """Verification problems of the lot's evidence, if any."""

    def as_dict(self) -> dict[str, Any]:
        """The outcome as JSON values."""
        return {"ok": self.ok, "message": self.message, "report_fingerprint": self.report_fingerprint,
                "database_fingerprint": self.database_fingerprint, "inspection_id": self.inspection_id,
                "records": self.records, "problems": self.problems}


def read_report(path: Path) -> tuple[str, str | None]:
    """The fingerprint printed in a lot report and the inspection id in its metadata (None when absent).

    Raises:
        InputError: not a readable PDF, no fingerprint in it, or its text and metadata disagree.
    """
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:
        raise InputError("reading a report needs pypdf (pip install pypdf)") from None
    try:
        with open(path, "rb") as head:
            if head.read(5) != b"%PDF-":
                raise InputError(f"{path} is not a readable PDF (no PDF header)")
        # pypdf reports damage it works around on its logger; the outcome is reported here, in one line.
        logging.getLogger("pypdf").setLevel(logging.ERROR)
        reader = PdfReader(path)
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
        metadata = reader.metadata
        keywords = str(metadata.get("/Keywords") or "") if metadata is not None else ""
    except FileNotFoundError:
        raise InputError(f"no report {path}") from None
    except (PdfReadError, OSError, ValueError, KeyError) as e:
        raise InputError(f"{path} is not a readable PDF: {e}") from None
    printed = set(_HEX64.findall(text.lower()))
    meta = re.search(r"sha256:([0-9a-f]{64})", keywords)
    if meta is not None and printed and meta.group(1) not in printed:
        raise InputError(f"{path}: the fingerprint in the report's text differs from the one in its metadata; "
                         "the PDF was altered")
    if meta is not None:
        fingerprint = meta.group(1)
    elif len(printed) == 1:
        fingerprint = printed.pop()
    else:
        raise InputError(f"{path} has no record fingerprint (is it a fieldtool lot report?)")
    inspection = _UUID.search(keywords)
    return fingerprint, inspection.group(0) if inspection else None


def _records_after_matching_state(records: list[Record], fingerprint: str) -> list[Record]:
    """The records after the earlier state of the inspection whose fingerprint a report carries; empty when none matches.

    A report printed before a review, an approval or a header correction carries the fingerprint of
    the records up to then: it is genuine, but no longer the inspection's current state. Only the
    sign-off that follows a finalisation can come after a report; any other record would not
    match here.
    """
    for end in range(len(records) - 1, 0, -1):
        if records_fingerprint([r.hash for r in records[:end]]) == fingerprint:
            later = records[end:]
            return later if all(r.kind in FOLLOWS_FINALISATION for r in later) else []
    return []


def check_report(path: Path, db: Path, trust: Trust | None = None) -> ReportCheck:
    """Check a lot report's fingerprint against a database (a laptop's or the hub's).

    Raises:
        InputError: the report cannot be read or holds no fingerprint.
    """
    from fieldtool.sync.lot_verify import verify_lot

    fingerprint, inspection_id = read_report(path)
    with SqliteStore.open_read_only(db) as store:
        if inspection_id is not None:
            try:
                store.inspection(inspection_id)
            except NotFoundError:
                return ReportCheck(False, f"MISMATCH {path}: inspection {inspection_id} is not in {db}", fingerprint,
                                   inspection_id=inspection_id)
        candidates = [inspection_id] if inspection_id else [i.id for i in store.inspections()]
        found: tuple[str, str, int] | None = None
        later: list[Record] = []
        for candidate in candidates:
            records = store.inspection_records(candidate)
            computed = records_fingerprint([r.hash for r in records])
            if inspection_id or computed == fingerprint:
                found = (candidate, computed, len(records))
                if computed != fingerprint:
                    later = _records_after_matching_state(records, fingerprint)
                break
        if found is None:
            return ReportCheck(False, f"MISMATCH {path}: fingerprint {fingerprint} matches no inspection in {db}",
                               fingerprint)
        candidate, computed, count = found
        report = verify_lot(store, candidate, trust)
    result = ReportCheck(computed == fingerprint and report.ok and report.authenticated, "", fingerprint, computed, candidate, count,
                         report.problems)
    if later:
        done = ", ".join(f"{r.kind} at {r.recorded_at}" for r in later[:3]) + (" …" if len(later) > 3 else "")
        result.message = (f"SUPERSEDED {path}: the report is of inspection {candidate} as it stood before its last "
                          f"{len(later)} record{'s' if len(later) != 1 else ''} ({done}); make the report again for "
                          "its current state")
    elif computed != fingerprint:
        result.message = (f"MISMATCH {path}: the report's fingerprint {fingerprint} is not that of the {count} records "
                          f"of inspection {candidate} in {db} ({computed}): the report or the records differ")
    elif not report.ok or not report.authenticated:
        result.message = (f"FAILED {path}: the fingerprint matches inspection {candidate}, but its evidence in "
                          f"{db} fails verification ({report.summary()}"
                          f"{': ' + report.problems[0] if report.problems else ''}; run 'fieldtool verify --db {db}')")
    else:
        result.message = (f"OK {path}: fingerprint {fingerprint} matches the {count} records of inspection "
                          f"{candidate} in {db}; {report.summary()}")
    return result
