"""Dutch error pages; htmx requests get the same message as a small fragment."""

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.htmx import is_htmx

MESSAGES = {
    400: ("Ongeldig verzoek", "Het verzoek kon niet worden verwerkt."),
    403: ("Geen toegang", "Je hebt geen toestemming voor deze handeling."),
    404: ("Niet gevonden", "Deze pagina bestaat niet of je hebt er geen toegang toe."),
    405: ("Niet toegestaan", "Deze handeling is op deze pagina niet mogelijk."),
    413: ("Te groot", "Wat je verstuurde is te groot. Maak de tekst of het bestand kleiner."),
    422: ("Niet te verwerken", "De invoer kon niet worden verwerkt."),
    429: ("Te veel verzoeken", "Je hebt te veel verzoeken gedaan. Probeer het later opnieuw."),
    500: ("Er ging iets mis", "Er ging aan onze kant iets mis. Probeer het later opnieuw."),
}

CSRF_MESSAGE = (
    "Je sessie is verlopen of het formulier is niet geldig. "
    "Laad de pagina opnieuw en probeer het nog eens; je invoer is niet opgeslagen."
)


def _render_error(status: int, message: str | None = None):
    title, default_message = MESSAGES.get(status, MESSAGES[500])
    template = "errors/_message.html" if is_htmx() else "errors/page.html"
    context = {"status": status, "title": title, "message": message or default_message}
    return render_template(template, **context), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(_error: CSRFError):
        return _render_error(400, CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        status = error.code or 500
        # A reason given with abort(4xx, "...") is shown; the generic English text is not.
        custom = error.description if error.description != type(error).description else None
        return _render_error(status, custom)

    @app.errorhandler(Exception)
    def _unexpected_error(error: Exception):
        if app.testing:
            raise error  # tests should see the traceback, not a friendly page
        app.logger.exception("Unhandled error: %s", error)
        return _render_error(500)
