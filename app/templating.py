"""The templates' Jinja environment: Flask's, with a faster `a.b` on plain dicts.

The read model hands the family pages plain dicts (a lesson, its grades, a day of the week, decoded
from Redis), and the templates read them as `lesson.subject`. Jinja's getattr tries the attribute
first, so every such read raised and caught an AttributeError before it looked the key up: a week
page did it some hundreds of times. For a plain dict (exactly `dict`) and a name that is not one of
dict's own attributes, getattr(obj, name) is bound to fail, so the key is looked up at once; the
result is the same as Jinja's (the value, or Undefined), `d.items()` and the like are unchanged."""
from flask.templating import Environment

DICT_ATTRIBUTES = frozenset(dir(dict))


class DiaryEnvironment(Environment):
    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute not in DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except (TypeError, LookupError):
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)
