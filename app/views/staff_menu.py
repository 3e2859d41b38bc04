"""The staff pages' menu (Flask-AppBuilder's appbuilder/navbar_menu.html), rendered once per set of
permissions and kept in the process.

FAB draws the menu at every staff page: for each of its items a permission check (is_menu_visible),
a translated label and a url_for — about a tenth of the clerk's queue page. What it shows depends
on nothing else: which items the user's permissions open (app.security reads them once per request —
its permissions_read() — remembered per process under the role epoch, app.auth.permission_cache),
the language, and where the app is mounted. So the HTML is kept under exactly those: any change of
a role's permissions gives another set, hence another key, at the next request — nothing to
invalidate. Users whose permissions are not in that set (FAB's builtin roles, which app.security
leaves to FAB) get the menu rendered as before."""
from flask import current_app, g, request
from flask_babel import get_locale
from markupsafe import Markup

TEMPLATE = "appbuilder/navbar_menu.html"
ENTRIES = 64  # (permission set, language) pairs in use: a handful


def _render():
    return Markup(current_app.jinja_env.get_template(TEMPLATE).render(menu=current_app.appbuilder.menu))


def staff_menu():
    """The menu's <li> items for the current user (Markup)."""
    permissions = current_app.appbuilder.sm.permissions_read(g.get("user"))
    if permissions is None:
        return _render()
    key = (permissions, str(get_locale()), request.script_root)
    kept = current_app.extensions.setdefault("diary_staff_menu", {})
    html = kept.get(key)
    if html is None:
        html = _render()
        if len(kept) >= ENTRIES:
            kept.clear()
        kept[key] = html
    return html


def init_app(app):
    app.add_template_global(staff_menu, "staff_menu")
