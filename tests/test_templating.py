"""The templates' environment (app.templating): `a.b` on a plain dict reads the key at once, and
gives exactly what Jinja's own getattr gives — for keys, missing keys, dict's own methods, dict
subclasses and other objects."""
from collections import OrderedDict

import jinja2
import pytest

from app.templating import DiaryEnvironment

TEMPLATES = [
    "{{ d.subject }}", "{{ d.missing is undefined }}", "{{ d.items()|list }}", "{{ d.get('subject') }}",
    "{{ d.keys is defined }}", "{{ d.grades[0].value }}", "{{ d.grades|map(attribute='value')|join(',') }}",
    "{{ o.subject }}", "{{ o.missing is undefined }}", "{{ s.real }}", "{{ n.subject is undefined }}",
    "{% for g in d.grades %}{{ g.kind }}{% endfor %}", "{{ d['items'] }}", "{{ d.items is callable }}",
]


@pytest.mark.parametrize("source", TEMPLATES)
def test_reading_a_dict_as_jinja_does(app, source):
    lesson = {"subject": "Алгебра", "grades": [{"value": "5", "kind": "current"}, {"value": "4", "kind": "test"}],
              "items": "ключ с именем метода"}
    context = {"d": lesson, "o": OrderedDict(lesson), "s": 3, "n": None}
    assert isinstance(app.jinja_env, DiaryEnvironment)
    ours = app.jinja_env.from_string(source).render(**context)  # a string template is escaped in Flask
    theirs = jinja2.Environment(autoescape=True).from_string(source).render(**context)
    assert ours == theirs


def test_a_strict_environment_still_refuses_a_missing_key(app):
    env = DiaryEnvironment(app, undefined=jinja2.StrictUndefined)
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ d.missing }}").render(d={"subject": "Алгебра"})


EXPIRED = ("Your application %(code)s has expired: nobody came to the school to confirm it within %(num)d day.",
           "Your application %(code)s has expired: nobody came to the school to confirm it within %(num)d days.")


def test_a_template_translates_as_flask_babel_does(app):
    """_(), pgettext() and ngettext() of a template give what Flask-Babel's own functions give
    (Russian plural forms, a message context, escaped variables) — in loops and blocks too."""
    from flask_babel import gettext, ngettext, pgettext

    source = ('{{ _("Today") }}|{{ pgettext("school room", "room %(room)s", room="<12>") }}|'
              '{% for n in (1, 2, 5, 21) %}{{ ngettext(one, many, n, code="7KQ4MZ") }};{% endfor %}')
    with app.test_request_context("/"):
        ours = app.jinja_env.from_string(source).render(one=EXPIRED[0], many=EXPIRED[1])
        theirs = "|".join([
            gettext("Today"), pgettext("school room", "room %(room)s", room="&lt;12&gt;"),
            "".join(ngettext(*EXPIRED, n, code="7KQ4MZ") + ";" for n in (1, 2, 5, 21))])
    assert ours == theirs
    assert ours.startswith("Сегодня|каб. &lt;12&gt;|") and "в течение 2 дней" in ours and "в течение 21 дня" in ours


def test_a_render_inside_force_locale_is_in_that_language(app):
    from flask_babel import force_locale

    template = app.jinja_env.from_string('{{ _("Today") }}')
    with app.test_request_context("/"):
        before = template.render()
        with force_locale("en"):
            inside = template.render()
        after = template.render()
    assert (before, inside, after) == ("Сегодня", "Today", "Сегодня")
