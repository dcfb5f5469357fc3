"""Site paths that can be built with or without a request (CLI jobs, domain event receivers)."""

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

# Every id column is an INTEGER, and PostgreSQL's is 32 bits: a larger number in a URL can name
# no row, but handed to the database it raises (SQLite: OverflowError) instead of finding none.
DATABASE_ID_MAX = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` for ids: a number above any id the database can hold is not found."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > DATABASE_ID_MAX:
            # NotFound, not ValidationError: "no match" would let a rule for another method on
            # the same path answer 405, where an unknown id of normal size gets a 404.
            raise NotFound()
        return number


def path_for(endpoint: str, **values) -> str:
    """Like url_for, but also outside a request; always a path, never an absolute URL."""
    if has_request_context():
        return url_for(endpoint, **values)
    anchor = values.pop("_anchor", None)
    root = urlsplit(current_app.config["BASE_URL"]).path or "/"
    adapter = current_app.url_map.bind("localhost", script_name=root)
    path = adapter.build(endpoint, values)
    return f"{path}#{anchor}" if anchor else path
