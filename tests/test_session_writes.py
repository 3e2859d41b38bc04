"""A reload writes nothing to the session store (issue 11): the store is written when the session
changes, not at each request — FAB's list pages used to assign their back-navigation history
every time, which stored the clerk's whole session again (a database write per reload)."""
from tests.helpers.sql import statements


def session_writes(app, fetch):
    with statements(app) as seen:
        response = fetch()
    return response, len([s for s in seen if s.upper().startswith(("INSERT INTO WEB_SESSION", "UPDATE WEB_SESSION"))])


def test_reloading_the_clerks_queue_stores_no_session(app, login_staff):
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    assert clerk.get("/applications/list/").status_code == 200
    for _ in range(2):
        response, writes = session_writes(app, lambda: clerk.get("/applications/list/"))
        assert response.status_code == 200 and writes == 0


def test_the_back_history_still_follows_the_pages(app, login_staff):
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    clerk.get("/applications/list/")
    _response, writes = session_writes(app, lambda: clerk.get("/applications/list/?_flt_0_state=submitted"))
    assert writes == 1  # a new page: the history changes and is stored
