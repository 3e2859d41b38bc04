"""The teachers' journal screens (Flask-AppBuilder): the own classes × subjects, the grid, and
JSON writes per cell / lesson / remark (CSRF header, scope re-checked in app.diary.journal)."""
from flask import abort, flash, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext

from .. import formats, inputs
from ..access import current_actor
from ..errors import Refused, shown_on_page
from ..models import AttendanceMark, GradeKind
from . import finals, grading, journal, journal_form


MAX_GRID_DAYS = 400  # the grid shows one column per lesson: at most a school year and a bit


def _period():
    """?from= / ?to= of the grid: absent → the default weeks, wrong → 400 in Russian (app.inputs)."""
    return inputs.date_range(inputs.query_date(request.args.get("from"), "from"),
                             inputs.query_date(request.args.get("to"), "to"), max_days=MAX_GRID_DAYS)


def _id(body, name):
    return inputs.field_id(body.get(name), name)


def _cell_text(value):
    if value is None or isinstance(value, (str, int)) and not isinstance(value, bool):
        return inputs.clean(str(value if value is not None else ""))
    raise journal.JournalError(gettext("Enter a grade 1–5, зч or нзч and/or an attendance mark Н, Б, ОП or УП."))


class JournalView(BaseView):
    route_base = "/journal"
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("read")
    def index(self):
        return self.render_template("journal/index.html",
                                    assignments=journal.assignments_of(current_actor()))

    @expose("/<int:assignment_id>")
    @has_access
    @permission_name("read")
    def grid(self, assignment_id):
        assignment = journal.assignment_for(current_actor(), assignment_id)  # 404 when not own
        data = journal.grid(assignment, *_period())
        return self.render_template("journal/grid.html", grid=data, assignment=assignment,
                                    kinds=GradeKind.labels())

    def _may_write(self):
        if not self.appbuilder.sm.has_access("can_write", self.class_permission_name):
            abort(403)

    @expose("/<int:assignment_id>/finals", methods=["GET", "POST"])
    @has_access
    @permission_name("read")
    def finals(self, assignment_id):
        """«Итоговые»: the final grades of the class × subject per period of the school year."""
        actor = current_actor()
        assignment = journal.assignment_for(actor, assignment_id)
        errors, status = {}, 200
        if request.method == "POST":
            self._may_write()
            errors = finals.save_sheet(actor, assignment, request.form)
            if not errors:
                flash(gettext("The final grades are saved."), "success")
                return redirect(url_for(".finals", assignment_id=assignment.id))
            status = 400
        return self.render_template("journal/finals.html", assignment=assignment, sheet=finals.sheet(assignment),
                                    errors=errors, typed=request.form if request.method == "POST" else {}), status

    @expose("/<int:assignment_id>/lessons/<int:lesson_id>", methods=["GET", "POST"])
    @has_access
    @permission_name("read")
    def lesson_page(self, assignment_id, lesson_id):
        """One lesson as a plain form (works without JavaScript): topic, homework, and per pupil the
        grade with its kind of work, weight and remark, and the attendance mark."""
        actor = current_actor()
        assignment = journal.assignment_for(actor, assignment_id)
        lesson = journal.lesson_of(assignment, lesson_id)  # 404 when not in this journal
        errors, status = {}, 200
        if request.method == "POST":
            self._may_write()
            errors = journal_form.save_lesson(actor, assignment, lesson, request.form)
            if not errors:
                flash(gettext("The lesson is saved."), "success")
                return redirect(url_for(".lesson_page", assignment_id=assignment.id, lesson_id=lesson.id))
            status = 400
        return self.render_template(
            "journal/lesson.html", assignment=assignment, lesson=lesson, errors=errors,
            rows=journal_form.rows(assignment, lesson, request.form if request.method == "POST" else None),
            kinds=grading.lesson_kinds(), marks=AttendanceMark.choices(), is_open=grading.lesson_is_open(lesson.date),
            max_weight=grading.MAX_WEIGHT), status

    def _write(self, assignment_id, action):
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return jsonify(message=gettext("Send a JSON object.")), 400
        # refusals (JournalError, InvalidInput) are answered as JSON by app.errors
        return jsonify(action(journal.assignment_for(current_actor(), assignment_id), body))

    @expose("/<int:assignment_id>/cell", methods=["POST"])
    @has_access
    @permission_name("write")
    def cell(self, assignment_id):
        actor = current_actor()
        return self._write(assignment_id, lambda a, b: {"cell": journal.set_cell(
            actor, a, _id(b, "student_id"), _id(b, "lesson_id"), _cell_text(b.get("value")),
            kind=b.get("kind"), weight=b.get("weight"), remark=b.get("remark"))})

    @expose("/<int:assignment_id>/lesson", methods=["POST"])
    @has_access
    @permission_name("write")
    def lesson(self, assignment_id):
        actor = current_actor()

        def save(a, b):
            lesson = journal.set_lesson(actor, a, _id(b, "lesson_id"), b.get("topic"), b.get("homework"))
            return {"topic": lesson.topic, "homework": lesson.homework}

        return self._write(assignment_id, save)

    @expose("/<int:assignment_id>/remark", methods=["POST"])
    @has_access
    @permission_name("write")
    def remark(self, assignment_id):
        actor = current_actor()

        def save(a, b):
            remark = journal.add_remark(actor, a, _id(b, "student_id"), _id(b, "lesson_id"), b.get("text"))
            return {"id": remark.id}

        return self._write(assignment_id, save)


class TeacherMessagesView(BaseView):
    """A teacher's conversations with families of their classes' pupils."""

    route_base = "/teacher-messages"
    default_view = "index"
    # "write" is checked inside `thread` (GET reads, POST writes): declared so `flask init` makes it
    base_permissions = ["can_read", "can_write"]

    @expose("/")
    @has_access
    @permission_name("read")
    def index(self):
        from . import messages

        user = self.appbuilder.sm.current_user
        rows = messages.conversations_for_teacher(user.id)
        return self.render_template("journal/conversations.html", conversations=rows,
                                    unread=lambda c: messages.unread(c, user.id), students=_students(rows))

    @expose("/new", methods=["GET", "POST"])
    @has_access
    @permission_name("read")
    def new(self):
        """«Написать семье»: a teacher starts a conversation with a family of the own classes."""
        from flask import redirect, url_for

        from ..models import Relation
        from . import messages

        user = self.appbuilder.sm.current_user
        refused = Refused()
        if request.method == "POST":
            if not self.appbuilder.sm.has_access("can_write", self.class_permission_name):
                abort(403)
            with shown_on_page() as refused:
                student_id, parent_id = _recipient(request.form.get("recipient"))
                conversation = messages.start_by_teacher(user, student_id, parent_id, request.form.get("subject"),
                                                         request.form.get("text"))
                flash(gettext("The message is sent."), "success")
                return redirect(url_for(".thread", conversation_id=conversation.id))
        return self.render_template("journal/new_message.html", pupils=messages.pupils_for_teacher(user.id),
                                    relations=Relation.labels(), refused=refused, form=request.form), refused.status

    @expose("/<int:conversation_id>", methods=["GET", "POST"])
    @has_access
    @permission_name("read")
    def thread(self, conversation_id):
        from flask import redirect, url_for

        from . import messages

        user = self.appbuilder.sm.current_user
        refused = Refused()
        if request.method == "POST":
            if not self.appbuilder.sm.has_access("can_write", self.class_permission_name):
                abort(403)
            with shown_on_page(flashed=True) as refused:  # else the page again with what was typed
                messages.reply(user, conversation_id, request.form.get("text"))
                return redirect(url_for(".thread", conversation_id=conversation_id))
        conversation, items = messages.read(user, conversation_id)  # 404 when not one's own
        return self.render_template("journal/thread.html", conversation=conversation, items=items,
                                    student=_students([conversation])[conversation.student_id],
                                    text=request.form.get("text", "")), refused.status


def _recipient(value):
    """The form's «Кому»: "<pupil id>:<family member id>" → two ids; 400 in Russian otherwise."""
    student, _, parent = (value or "").partition(":") if isinstance(value, str) else ("", "", "")
    return inputs.field_id(student, "recipient"), inputs.field_id(parent, "recipient")


def _students(conversations):
    from sqlalchemy import select

    from ..extensions import db
    from ..models import Student

    ids = {c.student_id for c in conversations}
    return {s.id: s for s in db.session.execute(select(Student).where(Student.id.in_(ids or [-1]))).scalars()}


class ImportView(BaseView):
    """«Загрузка данных»: the school's responsible person (own school) or the admin (any school)
    uploads an export of the school information system; the report lists every problem by line
    and column, or what was added and updated."""

    route_base = "/imports"
    default_view = "form"
    MAX_BYTES = 50 * 1024 * 1024

    @expose("/", methods=["GET", "POST"])
    @has_access
    @permission_name("import")
    def form(self):
        from ..access import managed_schools
        from .imports import KINDS, ImportFailed, import_file
        from .imports.guide import formats

        actor = current_actor()
        schools = managed_schools(actor)  # the clerk's own school; every school for the admin
        if not schools:
            abort(403)
        report = failure = error = None
        if request.method == "POST":
            upload = request.files.get("file")
            # one school kept: that one, whatever the form says; else the form's choice among them
            school_id = schools[0].id if len(schools) == 1 else inputs.optional_id(request.form.get("school_id"))
            kind = request.form.get("kind") or None
            if school_id not in {s.id for s in schools}:
                error = gettext("Choose a school from the list.")
            elif upload is None or not upload.filename:
                error = gettext("Choose a file to upload.")
            elif kind and kind not in KINDS:
                error = gettext("Unknown kind of data.")
            else:
                data = upload.read(self.MAX_BYTES + 1)
                if len(data) > self.MAX_BYTES:
                    error = gettext("The file is larger than 50 MB: split it into several files.")
                else:
                    try:
                        report = import_file(upload.filename, school_id, kind=kind, data=data,
                                             actor_label=actor.label)
                    except ImportFailed as exc:
                        failure = exc
        status = 400 if (error or failure) else 200
        return self.render_template("journal/import.html", schools=schools, kinds=KINDS, formats=formats(),
                                    report=report, failure=failure, error=error, form=request.form), status


# --------------------------------------------------------------------------- events and meetings
def _happening_view(model, route_base, titles, fields, notify_kind_text):
    """A clerk's (own school) / admin's list of events or meetings; a new one notifies the
    families of its class (or of the whole school) through the outbox."""
    from flask_babel import lazy_gettext as _l

    from ..access import ManagedSchoolFilter
    from ..models import School
    from ..views.base import DiaryInterface, SchoolOwnedView

    class View(SchoolOwnedView):
        datamodel = DiaryInterface(model)
        base_order = ("starts_at", "desc")
        list_columns = ["starts_at", "school_class", *fields]
        add_columns = edit_columns = ["school", "school_class", "starts_at", *fields]
        show_columns = ["school", *list_columns]
        search_columns = ["starts_at", *[f for f in fields if f in ("title", "topic", "place")]]
        add_form_query_rel_fields = edit_form_query_rel_fields = {  # and the classes of those schools
            **SchoolOwnedView.add_form_query_rel_fields, "school_class": [["school_id", ManagedSchoolFilter, None]]}
        label_columns = {"school": _l("School"), "school_class": _l("Class (empty: the whole school)"),
                         "starts_at": _l("Starts"), "ends_at": _l("Ends"), "title": _l("Title"),
                         "description": _l("Description"), "place": _l("Place"), "topic": _l("Topic")}
        wall_clock_columns = ("starts_at", "ends_at")  # the local time people typed, not a UTC moment

        def _check(self, item):
            school = item.school if item.school is not None else db_get(School, item.school_id)
            klass = item.school_class
            if klass is not None and (school is None or klass.school_id != school.id):
                raise ValueError(gettext("This class belongs to another school."))
            ends = getattr(item, "ends_at", None)
            if ends and item.starts_at and ends <= item.starts_at:
                raise ValueError(gettext("The end must be after the start."))

        def pre_add(self, item):
            self._check(item)

        def pre_update(self, item):
            self._check(item)

        def post_add(self, item):
            notify_families(item, notify_kind_text(item))

    View.__name__ = View.__qualname__ = f"{model.__name__}View"
    View.route_base = route_base
    View.list_title, View.show_title, View.add_title, View.edit_title = titles
    return View


def db_get(model, ident):
    from ..extensions import db

    return db.session.get(model, ident) if ident else None


def notify_families(item, text):
    """Everyone with access to a pupil of the event's class (or school) hears of it."""
    from sqlalchemy import select

    from ..extensions import db
    from ..models import Student
    from ..notify.routing import notify_all
    from . import membership

    if item.school_class is not None:  # the class's pupils on the day it happens
        student_ids = membership.pupil_ids(item.school_class.id, item.starts_at.date())
    else:
        student_ids = db.session.execute(select(Student.id).where(Student.school_id == item.school_id)).scalars()
    subject, body = text
    kind = "meeting" if item.__tablename__ == "parent_meeting" else "event"
    notify_all("event", [(student_id, subject, body, f"{kind}:{item.id}:{student_id}") for student_id in student_ids])
    db.session.commit()


def _event_text(item):
    return (gettext("School event: %(title)s", title=item.title),
            formats.datetime(item.starts_at, utc=False) + (f", {item.place}" if item.place else "")
            + (f". {item.description}" if item.description else ""))


def _meeting_text(item):
    return (gettext("Parent meeting: %(topic)s", topic=item.topic or "—"),
            formats.datetime(item.starts_at, utc=False) + (f", {item.place}" if item.place else ""))


def make_happening_views():
    from flask_babel import lazy_gettext as _l

    from ..models import ParentMeeting, SchoolEvent

    return (_happening_view(SchoolEvent, "/school-events",
                            (_l("Events"), _l("Event"), _l("Add an event"), _l("Edit the event")),
                            ["title", "description", "ends_at", "place"], _event_text),
            _happening_view(ParentMeeting, "/parent-meetings",
                            (_l("Parent meetings"), _l("Parent meeting"), _l("Add a parent meeting"),
                             _l("Edit the parent meeting")),
                            ["topic", "place"], _meeting_text))
