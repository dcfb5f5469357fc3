"""`search check`: does every index hold exactly the documents the database implies?"""

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.extensions import db
from app.search import documents
from app.search.changelog import pending_count
from app.search.storage import ARCHIVE, NETWORK, store

# The check's problem for live indexes built with an older schema (it lists index names).
OUTDATED = "index built with an older schema"


@dataclass
class CheckReport:
    pending: int = 0
    problems: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(self.problems.values())


# Times the check reads an index again when reading it failed.
READ_ATTEMPTS = 3


def _indexed(target, name: str) -> dict[str, str]:
    """Key -> digest of every document in one live index.

    A merge that swaps segments out while this reads removes files the searcher had not
    opened yet; the check then reads the index again as it is then.
    """
    attempts = 1
    while True:
        try:
            with target.open(name).searcher() as searcher:
                return {
                    documents.doc_key(fields): fields.get("digest", "")
                    for fields in searcher.all_stored_fields()
                }
        except (OSError, TypeError, ValueError):
            if attempts >= READ_ATTEMPTS:
                raise
            attempts += 1


def _report_order(key: str) -> tuple[int, int]:
    """Cases by id, then methods by id."""
    kind, _, number = key.rpartition("-")
    return (1 if kind else 0, int(number))


def check() -> CheckReport:
    """Compare every document the database implies with what the indexes hold."""
    target = store()
    report = CheckReport(pending=pending_count() if target.exists() else 0)
    if not target.exists():
        report.problems["index"] = [f"no search index in {target.root}"]
        return report
    report.problems[OUTDATED] = target.outdated()
    expected: dict[str, dict[str, str]] = {NETWORK: {}, ARCHIVE: {}}
    with Session(db.engine) as session:
        for network_doc, archive_doc in documents.all_documents(session):
            expected[NETWORK][documents.doc_key(network_doc)] = network_doc["digest"]
            if archive_doc is not None:
                expected[ARCHIVE][documents.doc_key(archive_doc)] = archive_doc["digest"]
    for name in (NETWORK, ARCHIVE):
        actual = _indexed(target, name)
        want = expected[name]
        report.problems[f"{name}: missing"] = sorted(set(want) - set(actual), key=_report_order)
        report.problems[f"{name}: extra"] = sorted(set(actual) - set(want), key=_report_order)
        report.problems[f"{name}: stale"] = sorted(
            (key for key in set(want) & set(actual) if want[key] != actual[key]),
            key=_report_order,
        )
    return report
