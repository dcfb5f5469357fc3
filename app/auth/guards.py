"""Blueprint-wide access guards: `bp.before_request(guards.network_members_only)`."""

from flask import abort
from flask_login import current_user

from app.extensions import login_manager
from app.permissions import is_network_member, is_organiser


def network_members_only():
    """Network knowledge: sign in first; readers get a 404, as if it did not exist."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not is_network_member(current_user):
        abort(404)
    return None


def organisers_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not is_organiser(current_user):
        abort(403, "Dit deel is alleen voor organisatoren.")
    return None
