"""Casusplein: the knowledge platform of the Leernetwerk Lokale Polarisatie en Vertrouwen."""

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app import cli, errors, markdown, reference, security, templating
from app.admin import bp as admin_bp
from app.archive import bp as archive_bp
from app.assignments import bp as assignments_bp
from app.audit import bp as audit_bp
from app.auth import bp as auth_bp
from app.cases import bp as cases_bp
from app.comments import bp as comments_bp
from app.config import INSTANCE_PATH, PROJECT_ROOT, config_class
from app.directory import bp as directory_bp
from app.extensions import configure_sqlite, csrf, db, htmx, login_manager, migrate
from app.history import bp as history_bp
from app.home import bp as home_bp
from app.intake import bp as intake_bp
from app.invitations import bp as invitations_bp
from app.maatwerk import bp as maatwerk_bp
from app.meetings import bp as meetings_bp
from app.methods import bp as methods_bp
from app.mfa import bp as mfa_bp
from app.notifications import bp as notifications_bp
from app.privacy import bp as privacy_bp
from app.reflections import bp as reflections_bp
from app.search import bp as search_bp
from app.urls import DatabaseIdConverter


def create_app(overrides: dict[str, Any] | None = None, testing: bool = False) -> Flask:
    """Build the app: config -> extensions -> blueprints -> cli."""
    overrides = overrides or {}
    instance_path = Path(overrides.get("INSTANCE_PATH", INSTANCE_PATH))
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    # Before any blueprint adds its routes: every <int:...> is an id the database can hold.
    app.url_map.converters["int"] = DatabaseIdConverter
    app.config.from_object(config_class(testing)(instance_path))
    app.config.update(overrides)
    instance_path.mkdir(parents=True, exist_ok=True)
    if proxies := app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )

    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    markdown.init_app(app)
    reference.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    security.init_app(app)

    for blueprint in (
        home_bp,
        auth_bp,
        cases_bp,
        comments_bp,
        reflections_bp,
        directory_bp,
        admin_bp,
        intake_bp,
        invitations_bp,
        meetings_bp,
        assignments_bp,
        maatwerk_bp,
        methods_bp,
        notifications_bp,
        mfa_bp,
        audit_bp,
        privacy_bp,
        search_bp,
        archive_bp,
        history_bp,
    ):
        app.register_blueprint(blueprint)

    cli.init_app(app)
    return app
