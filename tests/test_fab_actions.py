"""FAB's action routes with a name no view declares were a 500 (AttributeError on None.func), even
for an anonymous visitor (found by the URL-map walk of the security-headers test)."""
import pytest

VIEWS = ["users", "roles", "applications"]


@pytest.mark.parametrize("view", VIEWS)
def test_unknown_action_names_are_404_not_500(app, view, login_staff):
    anonymous = app.test_client()
    admin = login_staff(app.test_client(), "admin", "admin12345")
    for client in (anonymous, admin):
        for method in ("get", "post"):
            answer = getattr(client, method)(f"/{view}/action/no_such_action/1")
            assert answer.status_code == 404, (view, method, answer.status_code)
        for form in ({"action": "no_such_action", "rowid": "1"}, {"rowid": "1"}):
            answer = client.post(f"/{view}/action_post", data=form)
            assert answer.status_code == 404, (view, form, answer.status_code)
            assert "Страница не найдена" in answer.get_data(as_text=True)
