"""The one place that reads HX-* request headers and builds htmx-aware responses."""

from flask import Response, make_response, redirect, render_template
from htmx_flask import request


def wants_fragment() -> bool:
    """A plain htmx request gets the fragment; boosted and history restores need the page."""
    return bool(request.htmx) and not (request.htmx.boosted or request.htmx.history_restore_request)


def is_htmx() -> bool:
    return bool(request.htmx)


def render(page: str, fragment: str, status: int = 200, **context) -> Response:
    """Serve the full page or only its fragment, from the same context."""
    template = fragment if wants_fragment() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def after_write(
    redirect_to: str, fragment: str | None = None, trigger: str | None = None, **context
) -> Response:
    """Answer a successful POST: htmx gets the updated fragment, a plain form a 303 redirect."""
    if not is_htmx() or fragment is None:
        if is_htmx():
            return client_redirect(redirect_to)
        return redirect(redirect_to, code=303)
    response = make_response(render_template(fragment, **context))
    if trigger:
        response.headers["HX-Trigger"] = trigger
    return response


def retarget(response: Response, target: str, swap: str = "innerHTML") -> Response:
    """Let an htmx answer land elsewhere than the request asked, e.g. a refused confirmation
    back in its dialog instead of in the part of the page the action would have replaced."""
    if is_htmx():
        response.headers["HX-Retarget"] = target
        response.headers["HX-Reswap"] = swap
    return response


def client_redirect(url: str) -> Response:
    """Send the browser to another page, also when the request came from htmx."""
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)
