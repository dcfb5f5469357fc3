from datetime import datetime

from flask import render_template, request

from app.audit import bp, services
from app.audit.forms import AuditFilterForm
from app.auth import guards

bp.before_request(guards.organisers_only)


def _as_datetime(value) -> datetime | None:
    return datetime.combine(value, datetime.min.time()) if value else None


@bp.get("")
def index():
    form = AuditFilterForm(formdata=request.args)
    form.validate()
    for field in form:
        if field.errors:
            field.data = None
    filters = services.AuditFilters(
        action=form.action.data or "",
        user_id=form.user.data,
        since=_as_datetime(form.since.data),
        until=_as_datetime(form.until.data),
    )
    page = max(request.args.get("page", 1, type=int), 1)
    return render_template(
        "audit/index.html",
        form=form,
        pagination=services.list_events(filters, page),
        labels=services.ACTIONS,
        page_args={key: value for key, value in request.args.items() if key != "page"},
    )
