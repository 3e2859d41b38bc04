"""«Статистика входов» (administrators): logins and failed logins of the accounts, as a table and a
bar chart drawn with the Chart.js we ship (app/static/report_chart.js). It replaces FAB's
UserStatsChartView, whose page loads Google's charts from an external CDN and labels its series
«Login Count». The class keeps FAB's name and its `chart` method: the permission
(`can_chart` on `UserStatsChartView`) and the menu entry stay what FAB and `flask init` made."""
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import or_, select

from ..extensions import db

TOP = 30  # the chart stays readable; the table lists the same accounts


def login_figures(limit=TOP):
    """[{username, name, logins, failed}] of the accounts that logged in or failed to, most first."""
    rows = db.session.execute(
        select(User.username, User.last_name, User.first_name, User.login_count, User.fail_login_count)
        .where(or_(User.login_count > 0, User.fail_login_count > 0))
        .order_by(User.login_count.desc().nulls_last(), User.username).limit(limit)).all()
    return [{"username": r.username, "name": " ".join(p for p in (r.last_name, r.first_name) if p),
             "logins": r.login_count or 0, "failed": r.fail_login_count or 0} for r in rows]


class UserStatsChartView(BaseView):
    route_base = "/userstatschartview"
    default_view = "chart"
    datamodel = None  # FAB's security manager sets one; this page asks the database itself
    title = _l("Login statistics")
    # FAB's address of the one chart is /chart/0; app/errors.py answers 404 to any other group_by
    definitions = ({"group": "username", "series": ["login_count", "fail_login_count"]},)

    @expose("/chart/")
    @expose("/chart/<group_by>")
    @has_access
    def chart(self, group_by=None):
        figures = login_figures()
        chart = {"labels": [f["username"] for f in figures], "counts": True, "series": [
            {"label": gettext("Logins"), "values": [f["logins"] for f in figures]},
            {"label": gettext("Failed logins in a row"), "values": [f["failed"] for f in figures]},
        ]} if figures else None
        return self.render_template("staff/login_stats.html", title=self.title, figures=figures, chart=chart)
