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
