"""Which main-menu item the current page belongs to, so the menu can mark it (aria-current)."""

from functools import cache, lru_cache

from flask import current_app, request
from flask_login import current_user
from markupsafe import Markup

from app import permissions

# Menu item -> the endpoints (or whole blueprints, ending in '.') whose pages it stands for.
SECTIONS = {
    "home": ("home.index",),
    "cases": (
        "cases.",
        "comments.",
        "reflections.",
        "methods.link",
        "methods.unlink",
        "archive.propose",
        "archive.consent",
        "archive.resubmit",
        "archive.withdraw",
        "archive.reflection_consent",
    ),
    "themes": ("directory.themes",),
    "municipalities": ("directory.municipalities", "directory.municipality"),
    "meetings": ("meetings.",),
    "assignments": ("assignments.",),
    "methods": ("methods.",),
    "maatwerk": ("maatwerk.",),
    "search": ("search.index",),
    "archive_review": (
        "archive.review_queue",
        "archive.review",
        "archive.unpublish",
        "archive.network_state",
    ),
    "archive": ("archive.",),
    "intake": ("intake.board", "intake.detail", "intake.decide", "intake.notes", "intake.plan"),
    "apply": ("intake.apply", "intake.thanks"),
    "admin": ("admin.", "audit.", "privacy.erasure_requests", "privacy.erase", "search.synonyms"),
    "notifications": ("notifications.index",),
    "account": ("mfa.", "auth.change_password", "privacy.mine", "notifications.preferences"),
    "login": ("auth.login",),
}


# Every menu item of every page asks (aria_current): a third of the menu's time went into
# these loops. The answer depends on the endpoint alone, and there are only so many.
@cache
def current_section(endpoint: str | None) -> str | None:
    """The first menu item whose endpoints match; exact endpoints win over blueprints."""
    if not endpoint:
        return None
    for section, endpoints in SECTIONS.items():
        if endpoint in endpoints:
            return section
    for section, endpoints in SECTIONS.items():
        if any(name.endswith(".") and endpoint.startswith(name) for name in endpoints):
            return section
    return None


def aria_current(section: str, endpoint: str) -> str:
    """'page' on the menu item's own page, 'true' elsewhere in its section, '' outside it."""
    if current_section(request.endpoint) != section:
        return ""
    return "page" if request.endpoint == endpoint and not request.view_args else "true"


def main_menu() -> Markup:
    """The main menu's items for this visitor on this page (templates/_partials/main_menu.html).

    They depend only on what kind of visitor this is and which page they are on, so each
    combination is rendered once per worker: twelve macro calls, links and aria-current checks
    on every page before. Nothing personal is in it (the user's name is outside the menu).
    """
    return _menu(
        request.script_root,
        request.endpoint,
        bool(request.view_args),
        getattr(current_user, "is_authenticated", False),
        permissions.is_network_member(current_user),
        permissions.is_organiser(current_user),
        permissions.can_read_archive(current_user),
    )


@lru_cache(maxsize=2048)  # endpoints x kinds of visitor: a few hundred in practice
def _menu(script_root, endpoint, has_view_args, signed_in, member, organiser, archive) -> Markup:
    # The arguments are the key: the template reads these facts from the request and the user.
    template = current_app.jinja_env.get_template("_partials/main_menu.html")
    return Markup(template.render(current_user=current_user))
