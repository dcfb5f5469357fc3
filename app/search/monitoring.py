"""The `search_index` health check: is each index readable, and is the change log applied?

Called by monitoring, so it stays cheap: it opens each index afresh (without memory mapping,
so a truncated file is an error here rather than a crash), reads one stored document and one
term, and asks the database two cheap questions: the newest change-log id, and the oldest
change this index directory has not applied.
"""

from flask import current_app
from whoosh.filedb.filestore import FileStorage

from app.models.base import utcnow
from app.search import changelog
from app.search.storage import SCHEMAS, store


def _index_problem(name: str) -> str | None:
    path = store().live_path(name)
    if path is None:
        return f"{name} index missing"
    try:
        index = FileStorage(str(path), supports_mmap=False, readonly=True).open_index()
        with index.reader() as reader:
            for docnum in reader.all_doc_ids():
                reader.stored_fields(docnum)
                break
            next(iter(reader.lexicon("case_id")), None)
    except Exception as error:  # any failure to read is the finding, whatever Whoosh raises
        current_app.logger.warning("Search index %s unreadable: %r", name, error)
        return f"{name} index unreadable ({type(error).__name__})"
    return None


def index_problem() -> str | None:
    """None when both indexes read and no change waits too long; else what is wrong."""
    problems = [problem for name in SCHEMAS if (problem := _index_problem(name))]
    if changelog.ahead_of_log():
        problems.append("index is ahead of the change log (database restored?): rebuild it")
    count, oldest = changelog.pending()
    if oldest is not None:
        waiting = (utcnow() - oldest).total_seconds()
        if waiting > current_app.config["SEARCH_HEALTH_MAX_LAG"]:
            problems.append(f"{count} change(s) not indexed, oldest {waiting:.0f}s ago")
    return "; ".join(problems) or None
