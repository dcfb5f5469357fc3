"""Site paths that can be built with or without a request (CLI jobs, domain event receivers)."""

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def path_for(endpoint: str, **values) -> str:
    """Like url_for, but also outside a request; always a path, never an absolute URL."""
    if has_request_context():
        return url_for(endpoint, **values)
    anchor = values.pop("_anchor", None)
    root = urlsplit(current_app.config["BASE_URL"]).path or "/"
    adapter = current_app.url_map.bind("localhost", script_name=root)
    path = adapter.build(endpoint, values)
    return f"{path}#{anchor}" if anchor else path
