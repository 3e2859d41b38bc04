"""Public list of schools with their reception hours."""
from flask import request
from flask_appbuilder.api import expose
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import inputs
from ..extensions import db
from ..models import School
from . import schemas
from .base import JsonApi, answer, openapi


def reception_hours(school):
    return [
        {
            "weekday": slot.weekday,
            "weekday_name": slot.weekday_name,
            "from": slot.time_from,
            "to": slot.time_to,
            "room": slot.room,
            "responsible": slot.responsible,
            "text": str(slot),
        }
        for slot in school.reception_slots
    ]


def school_json(school):
    return {
        "id": school.id,
        "number": school.number,
        "name": school.name,
        "district": {"id": school.district.id, "name": school.district.name},
        "district_id": school.district_id,
        "address": school.address,
        "reception_hours": reception_hours(school),
    }


class SchoolsApi(JsonApi):
    resource_name = "schools"
    openapi_spec_tag = "Schools"

    @expose("/", methods=["GET"])
    @openapi("get", "List schools", "SchoolListOut", "Schools", params=({
        "in": "query", "name": "district_id", "schema": {"type": "integer"},
        "description": "only this district's schools (not a number → 400; no such district → none)"},),
        refusals=(400,))
    def list_schools(self):
        """Schools with their reception hours (public, no login)."""
        query = select(School).options(selectinload(School.reception_slots)).order_by(School.district_id, School.number)
        if "district_id" in request.args:
            district_id = inputs.integer(request.args["district_id"], "district_id")
            query = query.where(School.district_id == inputs.optional_id(district_id))
        schools = db.session.execute(query).scalars().all()
        return answer(schemas.SchoolListOut, {"count": len(schools), "result": [school_json(s) for s in schools]})
