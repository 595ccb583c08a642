"""Exceptions that services raise, mapped to HTTP statuses by the API and to messages by the UI.

Field-level validation uses Django's own ``ValidationError`` (with an error dict keyed by
field name, nested children as ``contacts.0.email``). The classes here are for refusals that
are not about one input value but about the state of the data.
"""

from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    """Base of the refusals a service can make; carries a machine-readable code."""

    code = "error"
    status = 400  # the HTTP status the API answers with
    errors: dict | None = None  # messages per field, when the refusal names several fields
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
    status = 409
    default_message = _("The operation conflicts with the current state of the data.")


class FieldPermissionError(ServiceError):
    """The actor may not set some of the fields sent (HTTP 403), named with a message each.

    Field scope (SPEC §9): e.g. only credit controllers and administrators change credit terms.
    ``errors`` maps each refused field to its messages, as a ``ValidationError`` dict would.
    """

    code = "field_forbidden"
    status = 403
    default_message = _("You may not change some of these fields: see errors.")

    def __init__(self, errors: dict[str, list], message=None, **kwargs):
        super().__init__(message, **kwargs)
        self.errors = errors


class StaleVersionError(ConflictError):
    """The record changed since the caller read it (HTTP 412): nothing was written.

    Optimistic concurrency: an update names the version it was read at; ``current_version``
    is the version now stored, for the caller to read again.
    """

    code = "stale"
    status = 412
    default_message = _(
        "The record was changed by someone else since you read it (it is now at version "
        "%(version)s): read it again and re-apply your change."
    )

    def __init__(self, message=None, *, current_version: int, **kwargs):
        params = {"version": current_version, **kwargs.pop("params", {})}
        super().__init__(message, params=params, **kwargs)
        self.current_version = current_version
