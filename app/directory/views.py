from flask import abort, render_template
from flask_login import current_user

from app.auth import guards
from app.directory import bp, services

bp.before_request(guards.network_members_only)


@bp.get("/themes")
def themes():
    return render_template(
        "directory/themes.html", themes=services.themes_with_counts(current_user)
    )


@bp.get("/municipalities")
def municipalities():
    return render_template(
        "directory/municipalities.html",
        municipalities=services.municipalities_with_counts(current_user),
    )


@bp.get("/municipalities/<int:municipality_id>")
def municipality(municipality_id: int):
    found = services.get_municipality(municipality_id)
    if found is None:
        abort(404)
    return render_template(
        "directory/municipality.html",
        municipality=found,
        duo=services.duo(found),
        cases=services.municipality_cases(current_user, found),
    )
