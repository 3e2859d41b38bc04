"""Search on a column that stores codes but shows labels (the audit log's «Кто», «Действие»,
«Объект»): what the admin types is matched against the Russian label a row shows
(«Система», «Одобрить») as well as against the stored text (a person's name, a code).

`label_search_filters(view, {column: labels})` replaces FAB's text filters of those columns;
`labels` is a callable returning {code: label} in the request's language."""
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import lazy_gettext as _l
from sqlalchemy import false, not_, or_


def _contains(label, value):
    return value in label


def _starts(label, value):
    return label.startswith(value)


def _equal(label, value):
    return label == value


class _LabelFilter(BaseFilter):
    """A text filter that also matches the codes whose label matches. arg_name stays None: FAB
    maps arg names to classes globally (its REST filters must keep their own)."""

    labels = staticmethod(lambda: {})
    negate = False

    def stored(self, field, value):
        raise NotImplementedError

    @staticmethod
    def matches(label, value):
        raise NotImplementedError

    def apply(self, query, value):
        value = str(value or "").strip()
        field = getattr(self.model, self.column_name)
        wanted = value.casefold()
        codes = [code for code, label in self.labels().items() if self.matches(str(label).casefold(), wanted)]
        condition = or_(self.stored(field, value), field.in_(codes) if codes else false())
        return query.filter(not_(condition) if self.negate else condition)


class _Contains(_LabelFilter):
    name = _l("Contains")
    matches = staticmethod(_contains)

    def stored(self, field, value):
        return field.ilike(f"%{value}%")


class _StartsWith(_LabelFilter):
    name = _l("Starts with")
    matches = staticmethod(_starts)

    def stored(self, field, value):
        return field.ilike(f"{value}%")


class _Equal(_LabelFilter):
    name = _l("Equal to")
    matches = staticmethod(_equal)

    def stored(self, field, value):
        return field.ilike(value)


class _NotContains(_Contains):
    name = _l("Not Contains")
    negate = True


class _NotEqual(_Equal):
    name = _l("Not Equal to")
    negate = True


_KINDS = (_Contains, _StartsWith, _Equal, _NotContains, _NotEqual)


def label_search_filters(view, columns):
    """Give each of `columns` ({name: labels callable}) of `view` the label-aware filters."""
    filters = view._filters
    for column, labels in columns.items():
        kinds = [type(kind.__name__, (kind,), {"labels": staticmethod(labels)})(column, view.datamodel)
                 for kind in _KINDS]
        # _search_filters: the choices offered; _all_filters: what `_flt_<index>_<column>` applies.
        filters._search_filters[column] = kinds
        filters._all_filters = {**filters._all_filters, column: kinds}
