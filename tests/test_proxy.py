"""X-Forwarded-* headers count only when TRUSTED_PROXIES says a proxy sets them."""

from flask import request

from tests.conftest import _app_for


def _client_view(tmp_path, database_uri, **config):
    app = _app_for(tmp_path, SQLALCHEMY_DATABASE_URI=database_uri, **config)

    @app.get("/_wie")
    def who():
        return {"addr": request.remote_addr, "scheme": request.scheme, "host": request.host}

    return app.test_client()


FORWARDED = {
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "casusplein.example.nl",
}


def test_forwarded_headers_are_ignored_without_trusted_proxy(tmp_path, database_uri):
    client = _client_view(tmp_path, database_uri)
    seen = client.get("/_wie", headers=FORWARDED, environ_base={"REMOTE_ADDR": "127.0.0.1"}).json
    assert seen == {"addr": "127.0.0.1", "scheme": "http", "host": "localhost"}


def test_forwarded_headers_are_used_behind_a_trusted_proxy(tmp_path, database_uri):
    client = _client_view(tmp_path, database_uri, TRUSTED_PROXIES=1)
    seen = client.get("/_wie", headers=FORWARDED, environ_base={"REMOTE_ADDR": "127.0.0.1"}).json
    assert seen == {"addr": "203.0.113.7", "scheme": "https", "host": "casusplein.example.nl"}
