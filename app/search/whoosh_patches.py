"""One narrow fix to Whoosh 2.7.5, applied when app.search.storage is imported.

W3PerDocReader.has_column() asks the file system whether a column file exists, and
doc_field_length() asks it again on every call for a field without a lengths column (the
spell_* fields, ids, keywords). Committing a segment calls doc_field_length() once per posting,
so a rebuild of 1,000 cases spent a sixth of its time in os.stat(). A segment's files never
change once written, so the answer is kept per reader.
"""

from whoosh.codec.whoosh3 import W3PerDocReader

_original_has_column = W3PerDocReader.has_column


def _has_column(self, fieldname: str) -> bool:
    known = self.__dict__.setdefault("_casusplein_columns", {})
    if fieldname not in known:
        known[fieldname] = _original_has_column(self, fieldname)
    return known[fieldname]


def apply() -> None:
    W3PerDocReader.has_column = _has_column
