"""Public list of schools with their reception hours."""
from flask_appbuilder.api import BaseApi, expose
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import School
from .auth import json_response


def reception_hours(school):
    return [
        {
            "weekday": slot.weekday,
            "weekday_name": slot.weekday_name,
            "from": slot.time_from.strftime("%H:%M"),
            "to": slot.time_to.strftime("%H:%M"),
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


class SchoolsApi(BaseApi):
    resource_name = "schools"
    openapi_spec_tag = "Schools"

    @expose("/", methods=["GET"])
    def list_schools(self):
        """Schools with their reception hours (public, no login).
        ---
        get:
          summary: List schools
          parameters:
          - in: query
            name: district_id
            schema: {type: integer}
          responses:
            200:
              description: Schools
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      count: {type: integer}
                      result:
                        type: array
                        items: {type: object}
        """
        from flask import request

        query = select(School).options(selectinload(School.reception_slots)).order_by(School.district_id, School.number)
        district_id = request.args.get("district_id", type=int)
        if district_id:
            query = query.where(School.district_id == district_id)
        schools = db.session.execute(query).scalars().all()
        return json_response(200, {"count": len(schools), "result": [school_json(s) for s in schools]})
