"""Sharing through the API: the pupils the caller sees (GET /api/v1/students/), the pupil's
invitations and access log (official representatives only), revoking an invitation."""
from flask import request
from flask_appbuilder.api import expose
from flask_babel import gettext

from .. import inputs
from ..access import current_account, current_actor
from ..domain_error import DomainError
from ..extensions import db
from . import diary_schemas as out
from . import schemas
from .auth import api_login_required
from .base import JsonApi, answer, body, openapi


def _grant_json(grant):
    student = grant.student
    return {"id": student.id, "full_name": student.full_name, "last_name": student.last_name,
            "first_name": student.first_name, "middle_name": student.middle_name, "sex": student.name.sex_code,
            "birth_date": student.birth_date, "class_name": student.class_name,
            "school": {"id": student.school.id, "number": student.school.number, "name": student.school.name},
            "relation": grant.relation, "scope": grant.scope if grant.relation == "viewer" else None,
            "until": grant.valid_until if grant.relation == "viewer" else None}


def _invitation_json(invitation):
    from ..invitations.service import _effective_state

    return {"id": invitation.id, "email": invitation.email, "kind": invitation.kind, "scope": invitation.scope,
            "until": invitation.valid_until, "state": _effective_state(invitation),
            "expires_at": invitation.expires_at}


class StudentsApi(JsonApi):
    """The children the caller may see; invitations and the access log (representatives)."""

    route_base = "/api/v1/students"
    openapi_spec_tag = "Students"

    @expose("/", methods=["GET"])
    @api_login_required
    @openapi("get", "The caller's pupils", "PupilsOut", "Pupils with the caller's relation", refusals=(401,))
    def list_students(self):
        """The pupils the caller may see, with the caller's relation."""
        from ..access import active_grants
        from ..models import AccessGrant

        grants = db.session.execute(active_grants(user_id=current_actor().user_id).order_by(AccessGrant.id)).scalars()
        return answer(out.PupilsOut, {"result": [_grant_json(g) for g in grants]})

    def _representative(self, student_id):
        """The caller, who must be an official representative of the pupil (else 403)."""
        from ..access import representative_grant

        if representative_grant(current_actor().user_id, student_id) is None:
            raise DomainError(gettext("Only an official representative of the pupil can invite."), status=403)
        return current_account()

    @expose("/<int:student_id>/invitations", methods=["GET", "POST"])
    @api_login_required
    @openapi("post", "Invite the pupil or an interested person", "InvitationOut", "The invitation",
             params=("student_id",), body="InvitationInput", status=201, refusals=(400, 401, 403, 404, 409))
    @openapi("get", "The pupil's invitations (representatives)", "InvitationsOut", "Invitations",
             params=("student_id",), refusals=(401, 403, 404))
    def invitations(self, student_id):
        """Invitations of the pupil; POST {"email", "kind": "student"|"viewer", "scope", "until"} invites."""
        from sqlalchemy import select

        from .. import invitations as sharing
        from ..models import Invitation

        student_id = inputs.path_id(student_id)
        user = self._representative(student_id)
        if request.method == "GET":
            rows = db.session.execute(select(Invitation).where(Invitation.student_id == student_id)
                                      .order_by(Invitation.created_at.desc())).scalars()
            return answer(out.InvitationsOut, {"result": [_invitation_json(i) for i in rows]})
        data = body(schemas.InvitationInput())
        invitation, _token = sharing.invite(user, student_id, data["email"], data["kind"], data.get("scope") or "all",
                                            data.get("until"), consent=True)
        return answer(out.InvitationOut, _invitation_json(invitation), status=201)

    @expose("/<int:student_id>/access-log", methods=["GET"])
    @api_login_required
    @openapi("get", "The pupil's access log (representatives)", "AccessLogOut", "Who opened what",
             params=("student_id",), refusals=(401, 403, 404))
    def access_log(self, student_id):
        """Who other than the official representatives opened the pupil's data."""
        from sqlalchemy import select

        from ..models import AccessedPart, AccessLogEntry

        student_id = inputs.path_id(student_id)
        self._representative(student_id)
        rows = db.session.execute(select(AccessLogEntry).where(AccessLogEntry.student_id == student_id)
                                  .order_by(AccessLogEntry.at.desc()).limit(500)).scalars()
        return answer(out.AccessLogOut, {"result": [
            {"at": e.at, "who": e.user_label, "what": e.what, "what_label": str(AccessedPart.label_for(e.what))}
            for e in rows]})


class InvitationsApi(JsonApi):
    route_base = "/api/v1/invitations"
    openapi_spec_tag = "Students"

    @expose("/<int:invitation_id>/revoke", methods=["POST"])
    @api_login_required
    @openapi("post", "Revoke", "RevokedOut", "Revoked", params=("invitation_id",), refusals=(401, 404, 409))
    def revoke(self, invitation_id):
        """Revoke a waiting invitation or the access it gave (representatives of the pupil)."""
        from .. import invitations as sharing

        invitation = sharing.revoke(current_account(), inputs.path_id(invitation_id))
        return answer(out.RevokedOut, {"state": invitation.state})
