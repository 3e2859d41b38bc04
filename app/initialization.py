"""Everything the app serves, registered in one place (Superset's initialization style)."""
from flask_babel import lazy_gettext as _l



def register_all(app, appbuilder):
    from . import views
    from .reports.views import ReportsView
    from .diary.views import ImportView, JournalView, TeacherMessagesView, make_happening_views
    from .api.applications import ApplicationsApi
    from .api.diary import DiaryApi
    from .api.sharing import InvitationsApi, StudentsApi
    from .api.reports import ReportsApi
    from .api.schools import SchoolsApi
    from .auth import esia, session_views, sessions
    from .portal import bp as portal_bp
    from .views import staff_menu
    from . import templating

    appbuilder.add_view(
        views.ApplicationView, "Applications", label=_l("Applications"),
        icon="fa-inbox", category="School", category_label=_l("School"),
    )
    appbuilder.add_view(
        views.ReceptionSlotView, "ReceptionHours", label=_l("Reception hours"),
        icon="fa-clock-o", category="School",
    )
    appbuilder.add_view(
        views.StudentView, "Roster", label=_l("Roster"), icon="fa-users", category="School",
    )
    appbuilder.add_view(
        views.DistrictView, "Districts", label=_l("Districts"), icon="fa-map",
        category="Directory", category_label=_l("Directory"),
    )
    appbuilder.add_view(
        views.SchoolView, "Schools", label=_l("Schools"), icon="fa-building", category="Directory",
    )
    appbuilder.add_view(
        views.StaffAssignmentView, "StaffAssignments", label=_l("Staff assignments"),
        icon="fa-id-badge", category="Directory",
    )
    appbuilder.add_view(
        views.AuditEventView, "Audit", label=_l("Audit log"), icon="fa-history",
        category="Journal", category_label=_l("Journal"),
    )
    appbuilder.add_view(
        views.OutboxView, "Outbox", label=_l("Outgoing messages"), icon="fa-envelope",
        category="Journal",
    )
    appbuilder.add_view(
        JournalView, "TeachersJournal", label=_l("Class journal"), icon="fa-book",
        category="Teaching", category_label=_l("Teaching"),
    )
    appbuilder.add_view(
        TeacherMessagesView, "TeacherMessages", label=_l("Messages from families"),
        icon="fa-comments", category="Teaching",
    )
    event_view, meeting_view = make_happening_views()
    appbuilder.add_view(event_view, "SchoolEvents", label=_l("Events"), icon="fa-calendar", category="School")
    appbuilder.add_view(meeting_view, "ParentMeetings", label=_l("Parent meetings"), icon="fa-users",
                        category="School")
    appbuilder.add_view(
        ImportView, "DataImport", label=_l("Data import"), icon="fa-upload", category="School",
    )
    appbuilder.add_view(
        ReportsView, "DistrictReports", label=_l("Reports"), icon="fa-bar-chart", category="Reports",
        category_label=_l("Reports"),
    )
    appbuilder.add_api(SchoolsApi)
    appbuilder.add_api(ApplicationsApi)
    appbuilder.add_api(DiaryApi)
    appbuilder.add_api(StudentsApi)
    appbuilder.add_api(InvitationsApi)
    appbuilder.add_api(ReportsApi)

    from flask_babel import get_locale

    app.jinja_env.globals["get_locale"] = get_locale
    templating.init_app(app)  # the templates' _(): the catalogue once per render, not per call
    app.register_blueprint(portal_bp)
    from .errors import register_error_handlers

    register_error_handlers(app)
    esia.init_app(app)
    sessions.init_app(app)  # sessions end when the account is disabled or its password changes
    session_views.init_app(app)  # logging out (POST), «Выйти на всех устройствах»
    staff_menu.init_app(app)  # the staff pages' menu, once per set of permissions

    @app.route("/ping")
    def ping():
        """The bare route: no database, no login (load balancers; the benchmark's floor)."""
        return "pong", 200, {"Content-Type": "text/plain; charset=utf-8"}

