"""The staff pages' menu (app/views/staff_menu.py): drawn once per set of permissions, never shown
to someone whose permissions differ, and a menu item taken away in FAB's role admin is gone at the
very next page."""
import re

from flask import url_for

from tests.helpers.caches import redis_caches
from tests.helpers.roles import permission_on_view, role_permissions

QUEUE = "/applications/list/"


def menu_of(page):
    """The links of the menu (the first list of the navbar) of a staff page."""
    html = page.get_data(as_text=True)
    menu = re.search(r'<ul class="nav navbar-nav">(.*?)</ul>\s*<ul class="nav navbar-nav navbar-right">', html, re.S)
    assert menu is not None, "no staff menu on the page"
    return re.findall(r'href="([^"#]+)"', menu.group(1))


def reception_url(app):
    with app.test_request_context():
        return url_for("ReceptionSlotView.list")


def menu_checks(app, monkeypatch):
    """A list that receives the menu items FAB's is_menu_visible asks about."""
    asked = []
    manager = type(app.appbuilder.sm)
    original = manager.has_access

    def has_access(self, permission_name, view_name):
        if permission_name == "menu_access":
            asked.append(view_name)
        return original(self, permission_name, view_name)

    monkeypatch.setattr(manager, "has_access", has_access)
    return asked


def test_the_menu_is_drawn_once_for_the_same_permissions(app, login_staff, monkeypatch):
    app.extensions.pop("diary_staff_menu", None)
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    asked = menu_checks(app, monkeypatch)
    first = clerk.get(QUEUE)
    assert first.status_code == 200 and asked  # drawn: every item's permission checked
    asked.clear()
    again = clerk.get(QUEUE)
    assert again.status_code == 200 and asked == []
    assert menu_of(again) == menu_of(first) and reception_url(app) in menu_of(again)


def test_each_set_of_permissions_has_its_own_menu(app, login_staff):
    app.extensions.pop("diary_staff_menu", None)
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    teacher = login_staff(app.test_client(), "teacher239", "teacher12345")
    clerk_menu = menu_of(clerk.get(QUEUE))
    teacher_page = teacher.get("/journal/", follow_redirects=True)
    assert teacher_page.status_code == 200
    teacher_menu = menu_of(teacher_page)
    assert QUEUE in clerk_menu and QUEUE not in teacher_menu
    assert menu_of(clerk.get(QUEUE)) == clerk_menu  # and the clerk's is still the clerk's


def _take_away_and_give_back(app, login_staff):
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    admin = login_staff(app.test_client(), "admin", "admin12345")
    reception = reception_url(app)
    for _ in range(2):
        assert reception in menu_of(clerk.get(QUEUE))  # drawn and kept
    role_id, kept = role_permissions(app, "Clerk")
    taken = permission_on_view(app, "menu_access", "ReceptionHours")
    assert taken in kept
    edit = f"/roles/edit/{role_id}"
    assert admin.post(edit, data={"name": "Clerk", "permissions": [i for i in kept if i != taken]}).status_code == 302
    try:
        menu = menu_of(clerk.get(QUEUE))
        assert reception not in menu and QUEUE in menu
    finally:
        assert admin.post(edit, data={"name": "Clerk", "permissions": kept}).status_code == 302
    assert reception in menu_of(clerk.get(QUEUE))


def test_a_menu_item_taken_away_in_the_role_admin_is_gone_at_the_next_page(app, login_staff):
    app.extensions.pop("diary_staff_menu", None)
    _take_away_and_give_back(app, login_staff)


def test_so_too_with_the_permissions_remembered_in_the_process(app, redis_server, config, login_staff):
    with redis_caches(app, redis_server, config, ACCOUNT_CACHE=True, READ_MODEL_CACHE=False):
        app.extensions.pop("diary_permissions", None)
        app.extensions.pop("diary_staff_menu", None)
        try:
            _take_away_and_give_back(app, login_staff)
        finally:
            app.extensions.pop("diary_permissions", None)
