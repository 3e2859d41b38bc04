"""The whole application journey over HTTP, on SQLite and PostgreSQL."""
from tests.helpers.app import drain_outbox
from tests.helpers.web import bearer


def test_parent_applies_clerk_approves_parent_is_notified(app, client, login_parent, smtp):
    login_parent(client, "parent-ivanova")
    schools = client.get("/api/v1/schools/").json["result"]
    school = next(s for s in schools if s["number"] == "239")
    created = client.post(
        "/api/v1/applications/",
        json={
            "school_id": school["id"],
            "child": {"last_name": "Иванов", "first_name": "Иван", "middle_name": "Иванович",
                      "birth_date": "2014-07-09"},
        },
    )
    assert created.status_code == 201, created.json
    application = created.json
    assert application["state"] == "submitted"
    assert len(application["code"]) == 7 and application["code"][3] == "-"

    staff = app.test_client()
    headers = bearer(staff, "clerk239")
    url = f"/api/v1/applications/{application['id']}/transitions"
    r = staff.post(f"{url}/verify_passport", json={"document_type": "passport_rf"}, headers=headers)
    assert r.status_code == 200, r.json
    assert r.json["state"] == "passport_verified"
    r = staff.post(f"{url}/approve", json={}, headers=headers)
    assert r.status_code == 200, r.json
    assert r.json["state"] == "approved"

    counts = drain_outbox(app)
    assert counts["failed"] == 0 and counts["retry"] == 0
    mails = smtp.mailbox.to("ivanova@example.ru")
    assert len(mails) == 2
    approval = mails[-1]
    assert application["code"] in approval["Subject"]
    assert "доступ" in approval.get_body(("plain",)).get_content().lower()

    detail = client.get(f"/api/v1/applications/{application['id']}").json
    assert detail["state"] == "notified"
    assert [h["to"] for h in detail["history"]] == ["submitted", "passport_verified", "approved", "notified"]
    page = client.get("/my/students")
    assert "Иванов Иван Иванович" in page.get_data(as_text=True)
