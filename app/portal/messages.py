"""«Сообщения»: a family member writes to the pupil's teachers and reads the answers."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from .. import inputs
from ..access import current_account
from ..diary import membership, messages
from ..errors import Refused, shown_on_page
from ..extensions import db
from ..models import Student, User
from ..names import FullName
from . import bp
from .diary import _tabs as diary_tabs
from .guards import citizen_required


def _lower_first(text):
    return text[:1].lower() + text[1:]


def recipients(teachers, subjects):
    """[(user id, «Орлова Т. В. — алгебра»)] of the pupil's teachers, by surname: what each one
    teaches the class (`subjects`: messages.teacher_subjects), or «классный руководитель»."""
    rows = []
    for user in sorted(teachers.values(), key=lambda u: (u.last_name or "", u.first_name or "")):
        names, class_teacher = subjects.get(user.id, ([], False))
        what = [_lower_first(name) for name in names]
        if class_teacher or not what:
            what.insert(0, gettext("class teacher"))
        rows.append((user.id, f"{FullName.of(user).short} — {', '.join(what)}"))
    return rows


@bp.route("/my/students/<int:student_id>/messages", methods=["GET", "POST"])
@citizen_required
def student_messages(student_id):
    me = current_account()
    student = db.session.get(Student, student_id)
    grant = messages.family_grant(me.id, student_id) if student is not None else None
    if grant is None:
        abort(404)
    # the class once; what each teacher teaches it names the teachers too (its teachers and the
    # class teacher, as messages.teachers_of): their accounts in one more query
    subjects = messages.teacher_subjects(student, membership.class_of(student))
    teachers = messages.active_users(set(subjects))
    form, refused = {}, Refused()
    if request.method == "POST":
        form = request.form
        teacher_id = inputs.optional_id(form.get("teacher_id")) or 0  # no such teacher: refused below
        with shown_on_page() as refused:  # else the form again with what was typed
            message = messages.start(me, student_id, teacher_id, form.get("subject"), form.get("text"))
            flash(gettext("The message has been sent."), "success")
            return redirect(url_for("portal.conversation", conversation_id=message.conversation_id))
    rows = messages.conversations_for_family(me.id, student_id)
    return render_template("portal/messages.html", student=student, teachers=recipients(teachers, subjects),
                           tabs=diary_tabs(student_id, grant), section_title=gettext("Messages"),
                           conversations=rows, unread=lambda c: messages.unread(c, me.id),
                           form=form, error=refused.message), refused.status


@bp.route("/my/messages/<int:conversation_id>", methods=["GET", "POST"])
@citizen_required
def conversation(conversation_id):
    me = current_account()
    refused = Refused()
    if request.method == "POST":
        with shown_on_page() as refused:  # a 404 (not one's conversation) is the error page
            messages.reply(me, conversation_id, request.form.get("text"))
            return redirect(url_for("portal.conversation", conversation_id=conversation_id))
    talk, items = messages.read(me, conversation_id)  # JournalError 404 when not one's own
    student = db.session.get(Student, talk.student_id)
    teacher = db.session.get(User, talk.teacher_id)
    return render_template("portal/thread.html", conversation=talk, items=items, student=student,
                           teacher=teacher, error=refused.message, text=request.form.get("text", "")), refused.status
