from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import htmx, page_cache
from app.permissions import can_read_archive, is_network_member, is_organiser
from app.search import bp, services
from app.search.forms import SynonymsForm, search_params


def search_page(archive: bool, endpoint: str):
    """The search page and its results fragment, for the network or the archive."""
    result = services.search(current_user, search_params(request.args), archive=archive)
    if result.unavailable or result.behind:
        page_cache.do_not_store()
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
