from urllib.parse import urlencode

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import htmx
from app.permissions import can_read_archive, is_network_member, is_organiser
from app.search import bp, services
from app.search.forms import SynonymsForm, search_params

# The characters Werkzeug leaves unquoted in a query string it builds (werkzeug.urls
# ._urlencode, 3.1): with the same quoting, search_links builds the very hrefs url_for does
# (tests/test_search.py compares them).
QUERY_SAFE = "!$'()*,/:;?@"


class SearchLinks:
    """Links to other searches from one results page: the route's URL from url_for once,
    then a query string per link, as urlencode makes it (each name=value quoted once per
    page: most links repeat the words searched). A page links some 90 searches (each facet
    value toggles itself), and building each through url_for's rule was a tenth of the
    page's time."""

    def __init__(self, endpoint: str) -> None:
        self.base = url_for(endpoint)
        self._quoted: dict[tuple[str, object], str] = {}

    def _pair(self, name: str, value) -> str:
        pair = self._quoted.get((name, value))
        if pair is None:
            pair = urlencode(((name, value),), safe=QUERY_SAFE)
            self._quoted[(name, value)] = pair
        return pair

    def __call__(self, args: dict[str, str | int | list[str]]) -> str:
        pairs = [
            self._pair(name, item)
            for name, value in args.items()
            for item in (value if isinstance(value, list | tuple) else (value,))
            if item is not None
        ]
        return f"{self.base}?{'&'.join(pairs)}" if pairs else self.base


@bp.app_template_global()
def search_links(endpoint: str) -> SearchLinks:
    """For the results fragment: search_links(endpoint)(params.args(...)) is the search's URL."""
    return SearchLinks(endpoint)


def search_page(archive: bool, endpoint: str):
    """The search page and its results fragment, for the network or the archive."""
    result = services.search(current_user, search_params(request.args), archive=archive)
    return htmx.render(
        "search/page.html",
        "search/_results.html",
        result=result,
        endpoint=endpoint,
        sorts=services.SORTS,
    )


@bp.get("/search")
def index():
    # Network members search the network; everyone else searches the published archive.
    if not is_network_member(current_user):
        if not can_read_archive(current_user):
            return redirect(url_for("auth.login", next=request.full_path), code=303)
        return search_page(archive=True, endpoint="search.index")
    return search_page(archive=False, endpoint="search.index")


@bp.route("/search/synonyms", methods=["GET", "POST"])
@login_required
def synonyms():
    if not is_organiser(current_user):
        abort(403, "Alleen organisatoren beheren de synoniemen.")
    form = SynonymsForm()
    if form.validate_on_submit():
        services.save_synonyms(form.text.data)
        flash("De synoniemen zijn opgeslagen en gelden meteen bij het zoeken.", "success")
        return redirect(url_for("search.synonyms"), code=303)
    if not form.is_submitted():
        form.text.data = services.synonyms().text()
    status = 422 if form.is_submitted() else 200
    return render_template("search/synonyms.html", form=form), status
