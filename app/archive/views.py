"""The public archive: landing page, search, published cases, open-data exports and feeds."""

import csv
import io
import json

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from app import htmx
from app.archive import bp, catalogue, feeds, portal, services
from app.models import CASE_SECTIONS
from app.permissions import can_read_archive
from app.search import services as search_services
from app.search.forms import search_params

RECENT_LIMIT = 10
FEED_LIMIT = 50
CSV_FIELDS = (
    "id", "url", "title", "municipality", "province", "municipality_size", "themes",
    "dilemmas", "polarisation_kind", "status", "published_at", "summary", "situation",
    "stakeholders", "approach", "question", "outcome", "licence", "licence_url",
)  # fmt: skip


@bp.before_request
def _archive_access():
    """With ARCHIVE_PUBLIC off, the archive (pages, search, exports, feeds) needs an account."""
    if request.endpoint in PUBLIC_ENDPOINTS and not can_read_archive(current_user):
        return redirect(url_for("auth.login", next=request.full_path), code=303)
    return None


# OWASP's advice against CSV injection: a spreadsheet evaluates a cell that starts with one of
# these as a formula, so such a cell gets a leading apostrophe (shown as text, not evaluated).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _exported(export_format: str, records: list[dict]) -> list[dict]:
    """Count the download in the log, not the database: an open-data GET writes nothing."""
    services.log_export(export_format, len(records))
    return records


def _csv_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _publication_url(publication) -> str:
    return url_for("archive.detail", publication_id=publication.id, _external=True)


@bp.get("/archive")
def index():
    return render_template(
        "archive/index.html",
        portal=portal.portal(),
        recent=catalogue.recent(RECENT_LIMIT),
        methods=catalogue.public_methods(),
    )


@bp.get("/archive/search")
def search():
    result = search_services.search(current_user, search_params(request.args), archive=True)
    return htmx.render(
        "search/page.html",
        "search/_results.html",
        result=result,
        endpoint="archive.search",
        sorts=search_services.SORTS,
    )


@bp.get("/archive/<int:publication_id>")
def detail(publication_id: int):
    publication = catalogue.published(publication_id)
    if publication is None:
        abort(404)
    return render_template(
        "archive/detail.html",
        publication=publication,
        case=publication.case,
        sections=CASE_SECTIONS,
        reflections=catalogue.published_reflections(publication),
        methods=portal.public_methods_of(publication),
        similar=search_services.similar_cases(current_user, publication.case_id, archive=True),
        similar_in_archive=True,
    )


@bp.get("/archive/methods/<int:method_id>")
def method_detail(method_id: int):
    method = catalogue.public_method(method_id)
    if method is None:
        abort(404)
    return render_template(
        "archive/method.html", method=method, publications=catalogue.publications_using(method)
    )


@bp.get("/archive/export.json")
def export_json():
    body = json.dumps(
        {
            "licence": current_app.config["ARCHIVE_LICENCE"],
            "licence_url": current_app.config["ARCHIVE_LICENCE_URL"],
            "cases": _exported("json", catalogue.export_records(_publication_url)),
        },
        ensure_ascii=False,
        indent=2,
    )
    return Response(body, mimetype="application/json")


@bp.get("/archive/export.csv")
def export_csv():
    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for record in _exported("csv", catalogue.export_records(_publication_url)):
        record["themes"] = "; ".join(record["themes"])
        record["dilemmas"] = "; ".join(str(number) for number in record["dilemmas"])
        writer.writerow({name: _csv_cell(value) for name, value in record.items()})
    response = Response(output.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="casusplein-archief.csv"'
    return response


def _feed(title: str, feed_url: str, site_url: str, theme_slug: str | None = None) -> Response:
    body = feeds.atom(
        title,
        feed_url,
        site_url,
        current_app.config["ARCHIVE_LICENCE"],
        catalogue.recent(FEED_LIMIT, theme_slug),
        _publication_url,
    )
    return Response(body, mimetype="application/atom+xml")


@bp.get("/archive/feed.atom")
def feed():
    return _feed(
        "Casusplein archief: nieuwe publicaties",
        url_for("archive.feed", _external=True),
        url_for("archive.index", _external=True),
    )


@bp.get("/archive/themes/<slug>/feed.atom")
def theme_feed(slug: str):
    theme = catalogue.theme_by_slug(slug)
    if theme is None:
        abort(404)
    return _feed(
        f"Casusplein archief: {theme.name}",
        url_for("archive.theme_feed", slug=slug, _external=True),
        url_for("archive.search", theme=slug, _external=True),
        theme_slug=slug,
    )


PUBLIC_ENDPOINTS = {
    f"archive.{name}"
    for name in (
        "index",
        "search",
        "detail",
        "method_detail",
        "export_json",
        "export_csv",
        "feed",
        "theme_feed",
    )
}
