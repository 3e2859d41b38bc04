"""The one error type a user reads. Raised anywhere below the web layer (input parsers, the
workflow, the journal, invitations, imports); app/errors.py answers it once — a Russian page, or
JSON under /api/ — so no module translates errors by hand."""


class DomainError(Exception):
    """A refusal the user should read: `status` (400, 403, 404, 409, 413), a Russian `message`
    and, for a form, `fields` {name: message}."""

    status = 400
    default_message = None  # said when the raiser gives no message (a lazy text, translated when raised)

    def __init__(self, message=None, fields=None, status=None):
        if not message and self.default_message is not None:
            message = str(self.default_message)
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        if status is not None:
            self.status = status
