"""The permissions of a role set remembered per process under the account cache's role epoch
(app.auth.permission_cache): a staff page runs no permission query while the roles are unchanged,
and a change of a role's permissions in FAB's role admin counts at the very next request."""
import pytest

from tests.helpers.caches import redis_caches
from tests.helpers.roles import permission_on_view, role_permissions
from tests.helpers.sql import statements

QUEUE = "/applications/list/"


@pytest.fixture
def cached(app, redis_server, config):
    with redis_caches(app, redis_server, config, ACCOUNT_CACHE=True, READ_MODEL_CACHE=False) as client:
        app.extensions.pop("diary_permissions", None)
        yield client
        app.extensions.pop("diary_permissions", None)


def permission_queries(app, fetch):
    with statements(app) as seen:
        response = fetch()
    return response, len([s for s in seen if "FROM ab_permission_view" in s])


def test_the_queue_runs_no_permission_query_while_the_roles_stay(app, cached, login_staff):
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    first, _ = permission_queries(app, lambda: clerk.get(QUEUE))
    assert first.status_code == 200
    again, queries = permission_queries(app, lambda: clerk.get(QUEUE))
    assert again.status_code == 200 and queries == 0


def test_without_redis_the_permissions_are_read_at_every_request(app, login_staff):
    app.extensions.pop("diary_permissions", None)
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    clerk.get(QUEUE)
    again, queries = permission_queries(app, lambda: clerk.get(QUEUE))
    assert again.status_code == 200 and queries == 1


def test_a_permission_taken_away_in_the_role_admin_counts_at_the_next_request(app, cached, login_staff):
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    admin = login_staff(app.test_client(), "admin", "admin12345")
    for _ in range(2):
        assert clerk.get(QUEUE).status_code == 200  # remembered now
    role_id, kept = role_permissions(app, "Clerk")
    taken = permission_on_view(app, "can_list", "ApplicationView")
    assert taken in kept
    edit = f"/roles/edit/{role_id}"
    answer = admin.post(edit, data={"name": "Clerk", "permissions": [i for i in kept if i != taken]})
    assert answer.status_code == 302
    try:
        assert role_permissions(app, "Clerk")[1] == [i for i in kept if i != taken]
        assert clerk.get(QUEUE).status_code != 200  # no longer allowed: FAB's refusal
    finally:
        assert admin.post(edit, data={"name": "Clerk", "permissions": kept}).status_code == 302
    assert clerk.get(QUEUE).status_code == 200  # given back: allowed again at once
