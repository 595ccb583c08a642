"""Exceptions that services raise, mapped to HTTP statuses by the API and to messages by the UI.

Field-level validation uses Django's own ``ValidationError`` (with an error dict keyed by
field name, nested children as ``contacts.0.email``). The classes here are for refusals that
are not about one input value but about the state of the data.
"""

from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    """Base of the refusals a service can make; carries a machine-readable code."""

    code = "error"
    default_message = _("The operation was refused.")

    def __init__(self, message=None, *, code=None, field=None, params=None):
        self.message = message or self.default_message
        self.params = params or {}
        if code:
            self.code = code
        self.field = field
        super().__init__(str(self.message))

    def __str__(self):
        text = str(self.message)
        return text % self.params if self.params else text


class ConflictError(ServiceError):
    """The request is valid but the current state of the data forbids it (HTTP 409)."""

    code = "conflict"
    default_message = _("The operation conflicts with the current state of the data.")
