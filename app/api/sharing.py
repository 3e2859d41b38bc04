"""Sharing through the API: the pupils the caller sees (GET /api/v1/students/), the pupil's
invitations and access log (official representatives only), revoking an invitation."""
from flask import request
from flask_appbuilder.api import expose
from flask_babel import gettext

from .. import inputs
from ..access import current_actor
from ..domain_error import DomainError
from ..extensions import db
from ..models import User
from . import schemas
from .auth import api_login_required, json_response
from .base import JsonApi, body, iso


def _grant_json(grant):
    student = grant.student
    return {"id": student.id, "full_name": student.full_name, "last_name": student.last_name,
            "first_name": student.first_name, "middle_name": student.middle_name,
            "birth_date": iso(student.birth_date), "class_name": student.class_name,
            "school": {"id": student.school.id, "number": student.school.number, "name": student.school.name},
            "relation": grant.relation, "scope": grant.scope if grant.relation == "viewer" else None,
            "until": iso(grant.valid_until) if grant.relation == "viewer" else None}


def _invitation_json(invitation):
    from ..invitations.service import _effective_state

    return {"id": invitation.id, "email": invitation.email, "kind": invitation.kind, "scope": invitation.scope,
            "until": iso(invitation.valid_until), "state": _effective_state(invitation),
            "expires_at": iso(invitation.expires_at)}


class StudentsApi(JsonApi):
    """The children the caller may see; invitations and the access log (representatives)."""

    route_base = "/api/v1/students"
    openapi_spec_tag = "Students"

    @expose("/", methods=["GET"])
    @api_login_required
    def list_students(self):
        """The pupils the caller may see, with the caller's relation.
        ---
        get:
          summary: The caller's pupils
          responses:
            200:
              description: Pupils with the caller's relation
              content: {application/json: {schema: {$ref: '#/components/schemas/PupilsOut'}}}
            401: {$ref: '#/components/responses/NotLoggedIn'}
        """
        from ..access import active_grants
        from ..models import AccessGrant

        grants = db.session.execute(active_grants(user_id=current_actor().user_id).order_by(AccessGrant.id)).scalars()
        return json_response(200, {"result": [_grant_json(g) for g in grants]})

    def _representative(self, student_id):
        """The caller, who must be an official representative of the pupil (else 403)."""
        from ..access import representative_grant

        actor = current_actor()
        if representative_grant(actor.user_id, student_id) is None:
            raise DomainError(gettext("Only an official representative of the pupil can invite."), status=403)
        return db.session.get(User, actor.user_id)

    @expose("/<int:student_id>/invitations", methods=["GET", "POST"])
    @api_login_required
    def invitations(self, student_id):
        """Invitations of the pupil; POST {"email", "kind": "student"|"viewer", "scope", "until"} invites.
        ---
        get:
          summary: The pupil's invitations (representatives)
          parameters:
          - {in: path, name: student_id, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
          responses:
            200:
              description: Invitations
              content: {application/json: {schema: {$ref: '#/components/schemas/InvitationsOut'}}}
            401: {$ref: '#/components/responses/NotLoggedIn'}
            403: {$ref: '#/components/responses/Forbidden'}
            404: {$ref: '#/components/responses/NotFound'}
        post:
          summary: Invite the pupil or an interested person
          parameters:
          - {in: path, name: student_id, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/InvitationInput'}}}
          responses:
            201:
              description: The invitation
              content: {application/json: {schema: {$ref: '#/components/schemas/InvitationOut'}}}
            400: {$ref: '#/components/responses/BadInput'}
            401: {$ref: '#/components/responses/NotLoggedIn'}
            403: {$ref: '#/components/responses/Forbidden'}
            404: {$ref: '#/components/responses/NotFound'}
            409: {$ref: '#/components/responses/Conflict'}
        """
        from sqlalchemy import select

        from .. import invitations as sharing
        from ..models import Invitation

        student_id = inputs.path_id(student_id)
        user = self._representative(student_id)
        if request.method == "GET":
            rows = db.session.execute(select(Invitation).where(Invitation.student_id == student_id)
                                      .order_by(Invitation.created_at.desc())).scalars()
            return json_response(200, {"result": [_invitation_json(i) for i in rows]})
        data = body(schemas.InvitationInput())
        invitation, _token = sharing.invite(user, student_id, data["email"], data["kind"], data.get("scope") or "all",
                                            data.get("until"), consent=True)
        return json_response(201, _invitation_json(invitation))

    @expose("/<int:student_id>/access-log", methods=["GET"])
    @api_login_required
    def access_log(self, student_id):
        """Who other than the official representatives opened the pupil's data.
        ---
        get:
          summary: The pupil's access log (representatives)
          parameters:
          - {in: path, name: student_id, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
          responses:
            200:
              description: Who opened what
              content: {application/json: {schema: {$ref: '#/components/schemas/AccessLogOut'}}}
            401: {$ref: '#/components/responses/NotLoggedIn'}
            403: {$ref: '#/components/responses/Forbidden'}
            404: {$ref: '#/components/responses/NotFound'}
        """
        from sqlalchemy import select

        from ..models import AccessLogEntry

        student_id = inputs.path_id(student_id)
        self._representative(student_id)
        rows = db.session.execute(select(AccessLogEntry).where(AccessLogEntry.student_id == student_id)
                                  .order_by(AccessLogEntry.at.desc()).limit(500)).scalars()
        return json_response(200, {"result": [{"at": iso(e.at), "who": e.user_label, "what": e.what} for e in rows]})


class InvitationsApi(JsonApi):
    route_base = "/api/v1/invitations"
    openapi_spec_tag = "Students"

    @expose("/<int:invitation_id>/revoke", methods=["POST"])
    @api_login_required
    def revoke(self, invitation_id):
        """Revoke a waiting invitation or the access it gave (representatives of the pupil).
        ---
        post:
          summary: Revoke
          parameters:
          - {in: path, name: invitation_id, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
          responses:
            200:
              description: Revoked
              content: {application/json: {schema: {$ref: '#/components/schemas/RevokedOut'}}}
            401: {$ref: '#/components/responses/NotLoggedIn'}
            404: {$ref: '#/components/responses/NotFound'}
            409: {$ref: '#/components/responses/Conflict'}
        """
        from .. import invitations as sharing

        invitation = sharing.revoke(db.session.get(User, current_actor().user_id), inputs.path_id(invitation_id))
        return json_response(200, {"state": invitation.state})
