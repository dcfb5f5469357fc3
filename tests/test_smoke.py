def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"


def test_pages_render(client, login, make_case, make_comment, make_reflection, make_user):
    from app.models import Role

    case = make_case()
    make_comment(case)
    make_reflection(case)
    login(make_user(Role.ORGANISER))
    for url in [
        "/",
        "/cases",
        f"/cases/{case.id}",
        "/themes",
        "/municipalities",
        f"/municipalities/{case.municipality_id}",
        "/admin/users",
        "/admin/themes",
        "/admin/municipalities",
        "/cases/new",
        f"/cases/{case.id}/edit",
        "/admin/users/new",
    ]:
        response = client.get(url)
        assert response.status_code in (200, 403), (url, response.status_code)
