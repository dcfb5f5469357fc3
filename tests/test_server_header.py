"""The Server header names no software versions (F15), on `make run`'s development server."""

import re
import threading
import urllib.request

import pytest
from werkzeug.serving import make_server

from app.config import PROJECT_ROOT
from app.devserver import QuietRequestHandler

VERSION = re.compile(r"\d+\.\d+")


@pytest.fixture
def served(app):
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    # server_close() joins the request threads, so a response's open file (a static file is sent
    # from disk) is closed before the test ends instead of being collected later.
    server.server_close()
    thread.join(timeout=10)


@pytest.mark.parametrize("path", ["/login", "/archive", "/static/css/app.css"])
def test_development_server_names_no_versions(served, path):
    with urllib.request.urlopen(served + path, timeout=10) as response:
        server = response.headers["Server"]
        response.read()  # let the server finish sending, so it closes what it sent from
    assert server == "Casusplein"
    assert not VERSION.search(server)


def test_make_run_uses_that_server():
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    run_recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "devserver" in run_recipe and " run --host" not in run_recipe
