"""Erasure leaves no trace of the person (security review F5).

A person who came in through the public intake is erased; then every text column of every
table, the search indexes and the mail outbox are searched for their old name and e-mail.
"""

import re
from pathlib import Path

import sqlalchemy as sa

from app.comments.services import add_comment
from app.extensions import db
from app.models import Application, Invitation, Role, User
from tests.factories_network import body_text

NAME, EMAIL, FUNCTION = "Karin Indringer", "karin.indringer@evil.example", "Wijkregisseur"
APPLICATION = {
    "municipality_name": "Heuvelrade",
    "size_class": "small",
    "province": "Limburg",
    "first_name": NAME,
    "first_function": FUNCTION,
    "first_email": EMAIL,
    "second_name": "Bram Geurts",
    "second_function": "Wijkprofessional",
    "second_email": "bram@heuvelrade.example.nl",
    "learning_questions": "Hoe herstellen we vertrouwen?",
    "website": "",
}
TEXT_TYPES = (sa.String, sa.Text, sa.JSON)


def _rows_mentioning(needles: tuple[str, ...]) -> list[str]:
    """table.column=value for every stored text that contains one of the needles."""
    found = []
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, TEXT_TYPES)]
            if not columns:
                continue
            for row in connection.execute(sa.select(*columns)).mappings():
                for column in columns:
                    value = str(row[column.name] or "").lower()
                    if any(needle in value for needle in needles):
                        found.append(f"{table.name}.{column.name}={row[column.name]!r}")
    return found


def _files_mentioning(folder: Path, needles: tuple[str, ...]) -> list[str]:
    found = []
    for path in folder.rglob("*") if folder.exists() else ():
        if path.is_file():
            data = path.read_bytes().lower()
            found += [f"{path.name}: {n}" for n in needles if n.encode("utf-8") in data]
    return found


def test_f5_an_erased_person_is_gone_from_every_table_the_index_and_the_outbox(
    app, client, login, make_user, write_case, find, outbox
):
    organiser = make_user(Role.ORGANISER)
    assert app.test_client().post("/intake/apply", data=APPLICATION).status_code == 303
    application = db.session.scalar(sa.select(Application))
    login(organiser)
    decided = client.post(f"/intake/{application.id}/decide", data={"status": "admitted"})
    client.get(decided.headers["Location"])  # the browser follows, and reads the flash
    invitation = next(m for m in outbox() if m["To"] == EMAIL and "/invitation/" in body_text(m))
    link = re.search(r"/invitation/[\w-]+", body_text(invitation)).group(0)
    accepted = app.test_client().post(
        link,
        data={
            "display_name": NAME,
            "password": "lang-genoeg-1",
            "confirm_password": "lang-genoeg-1",
        },
    )
    assert accepted.status_code == 303
    karin = db.session.scalar(sa.select(User).where(User.email == EMAIL))
    case = write_case(author=karin, title="Een casus die blijft", summary="Over de wijk.")
    add_comment(case, karin, "Een reactie die blijft.")
    needles = (NAME.lower(), EMAIL, FUNCTION.lower())
    derived = [Path(app.config["SEARCH_INDEX_DIR"]), Path(app.instance_path) / "outbox"]
    assert _rows_mentioning(needles) and _files_mentioning(derived[1], needles)

    login(karin)
    client.post("/account/data/erasure-request")
    login(organiser)
    response = client.post(
        f"/admin/erasures/{karin.id}", data={"reason": f"Op verzoek van {NAME} ({EMAIL})"}
    )
    assert response.status_code == 303

    db.session.expire_all()
    assert _rows_mentioning(needles) == []
    assert [found for folder in derived for found in _files_mentioning(folder, needles)] == []
    for text in ("Indringer", "karin", EMAIL):
        assert find(organiser, text).total == 0
        assert find(organiser, text, archive=True).total == 0
    # What the person wrote stays, by a former participant.
    assert case.author.display_name == "voormalig deelnemer"
    assert find(organiser, "reactie blijft").total == 1
    # The intake page still shows the application, without the person.
    page = client.get(f"/intake/{application.id}").get_data(as_text=True)
    assert NAME not in page and EMAIL not in page and "Bram Geurts" in page
    assert application.first_name == "voormalig deelnemer" and application.first_function == ""
    invitation_row = db.session.scalar(sa.select(Invitation).where(Invitation.user_id == karin.id))
    assert invitation_row.display_name == "voormalig deelnemer"
    assert invitation_row.email.endswith("@casusplein.invalid")
