"""The templates' Jinja environment: Flask's, with a faster `a.b` on plain dicts and a faster `_()`.

- The read model hands the family pages plain dicts (a lesson, its grades, a day of the week,
  decoded from Redis), and the templates read them as `lesson.subject`. Jinja's getattr tries the
  attribute first, so every such read raised and caught an AttributeError before it looked the key
  up: a week page did it some hundreds of times. For a plain dict (exactly `dict`) and a name that
  is not one of dict's own attributes, getattr(obj, name) is bound to fail, so the key is looked up
  at once; the result is the same as Jinja's (the value, or Undefined), `d.items()` and the like are
  unchanged.
- `_()`, `ngettext()`, `pgettext()` and `npgettext()` in a template are Flask-Babel's (its
  get_translations(): the catalogue of the current locale), but the catalogue is looked up once per
  rendered template (and per include), not again at every call: Flask-Babel finds
  the request's locale and domain anew each time (~15 µs), and a page makes some twenty such calls.
  A render keeps the locale it started in; force_locale() around a render is honoured."""
from flask.templating import Environment
from flask_babel import get_translations
from jinja2 import pass_context

DICT_ATTRIBUTES = frozenset(dir(dict))


class DiaryEnvironment(Environment):
    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute not in DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except (TypeError, LookupError):
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


def _translations(context):
    """The catalogue, kept on the render's evaluation context (Jinja's EvalContext, which takes
    custom attributes and is shared by the contexts a loop or a block derives from it)."""
    held = getattr(context.eval_ctx, "diary_translations", None)
    if held is None:
        held = context.eval_ctx.diary_translations = get_translations()
    return held


@pass_context
def _gettext(context, string):
    return _translations(context).ugettext(string)


@pass_context
def _ngettext(context, singular, plural, number):
    return _translations(context).ungettext(singular, plural, number)


@pass_context
def _pgettext(context, message_context, string):
    return _translations(context).upgettext(message_context, string)


@pass_context
def _npgettext(context, message_context, singular, plural, number):
    return _translations(context).unpgettext(message_context, singular, plural, number)


def init_app(app):
    """After Flask-Babel (FAB starts it), which installed callables that look the catalogue up at
    every call."""
    app.jinja_env.install_gettext_callables(gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext,
                                            npgettext=_npgettext, newstyle=True)
