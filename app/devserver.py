"""`make run`'s server: Werkzeug's development server, without its versions in `Server`."""

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, run_simple

SERVER_NAME = "Casusplein"


class QuietRequestHandler(WSGIRequestHandler):
    """Says "Casusplein" where Werkzeug says "Werkzeug/3.x Python/3.x" (F15).

    version_string() is http.server's documented hook for the Server header. gunicorn, in
    production, sends "gunicorn" without a version already.
    """

    def version_string(self) -> str:
        return SERVER_NAME


def run(app: Flask, host: str, port: int) -> None:
    run_simple(host, port, app, threaded=True, request_handler=QuietRequestHandler)
