"""Every error of the API as one JSON shape.

``{"code": "<machine code>", "message": "<human text>", "errors": {"field.path": ["...", ...]}}``

Field paths use the names of the request (``contacts.1.email``); errors that belong to no
field are under ``__all__``.
"""

import logging

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    ObjectDoesNotExist,
    PermissionDenied,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from kehu.core.api.auth import CsrfFailed
from kehu.core.errors import ServiceError, StaleVersionError

logger = logging.getLogger("kehu.api")

# Codes of Django validation messages that mean "another row already has this value".
DUPLICATE_CODES = frozenset({"unique", "unique_together", "name_taken"})
# Keys that are output only, wherever they appear: named as such when sent. Each app adds its
# own with mark_read_only().
READ_ONLY_KEYS = {"id", "created_at", "updated_at"}
REQUEST_SOURCES = ("body", "query", "path", "header", "cookie", "form", "file")

_PYDANTIC_MESSAGES = {
    "missing": _("This field is required."),
    "extra_forbidden": _("Unknown field."),
    "string_type": _("Enter a text."),
    "string_too_long": _("Ensure this value has at most %(max_length)s characters."),
    "string_too_short": _("Ensure this value has at least %(min_length)s characters."),
    "int_type": _("Enter a whole number."),
    "int_parsing": _("Enter a whole number."),
    "int_from_float": _("Enter a whole number."),
    "int_parsing_size": _("The number is too large."),
    "greater_than_equal": _("Ensure this value is greater than or equal to %(ge)s."),
    "greater_than": _("Ensure this value is greater than %(gt)s."),
    "less_than_equal": _("Ensure this value is less than or equal to %(le)s."),
    "less_than": _("Ensure this value is less than %(lt)s."),
    "decimal_type": _("Enter a number."),
    "decimal_parsing": _("Enter a number."),
    "float_type": _("Enter a number."),
    "float_parsing": _("Enter a number."),
    "finite_number": _("Enter a finite number."),
    "decimal_max_digits": _("Ensure there are no more than %(max_digits)s digits in total."),
    "decimal_max_places": _("Ensure there are no more than %(decimal_places)s decimal places."),
    "decimal_whole_digits": _(
        "Ensure there are no more than %(whole_digits)s digits before the decimal point."
    ),
    "bool_type": _("Enter true or false."),
    "bool_parsing": _("Enter true or false."),
    "date_type": _("Enter a date as YYYY-MM-DD."),
    "date_parsing": _("Enter a date as YYYY-MM-DD."),
    "date_from_datetime_parsing": _("Enter a date as YYYY-MM-DD."),
    "date_from_datetime_inexact": _("Enter a date as YYYY-MM-DD."),
    "literal_error": _("Choose one of: %(expected)s."),
    "enum": _("Choose one of: %(expected)s."),
    "list_type": _("Give a list."),
    "too_long": _("Give at most %(max_length)s items."),
    "dict_type": _("Give an object."),
    "model_type": _("Give an object."),
    "model_attributes_type": _("Give an object."),
    "json_invalid": _("Malformed JSON."),
}
_READ_ONLY_MESSAGE = _("Maintained by the system; it cannot be set.")
_REQUIRED_BODY = _("The request body is required.")


class ErrorOut(Schema):
    """Every error of the API."""

    code: str
    message: str
    errors: dict[str, list[str]]


ERROR_STATUSES = (400, 401, 403, 404, 409, 422)
# Of an update that names the version it was read at (If-Match): stale, or no version named.
PRECONDITION_STATUSES = (412, 428)


def with_errors(responses: dict, *, preconditions: bool = False) -> dict:
    """An operation's ``response`` mapping plus the documented error responses."""
    statuses = ERROR_STATUSES + (PRECONDITION_STATUSES if preconditions else ())
    return {**responses, **dict.fromkeys(statuses, ErrorOut)}


def etag(version: int) -> str:
    """The strong entity tag of a record's version: ``"7"``."""
    return f'"{version}"'


def mark_read_only(*keys: str) -> None:
    """Declare output-only keys, so that sending one says so instead of "Unknown field"."""
    READ_ONLY_KEYS.update(keys)


def error_body(code: str, message, errors: dict | None = None) -> dict:
    return {"code": code, "message": str(message), "errors": errors or {}}


def _field_path(loc: tuple) -> str:
    parts = list(loc)
    if parts and parts[0] in REQUEST_SOURCES:
        source = parts.pop(0)
        # A body schema is nested under its parameter name, which the caller never sees.
        if source == "body" and parts:
            parts.pop(0)
        # A repeated query parameter (``industry=a&industry=b``) is reported by ninja under
        # the parameters' schema name and the value's index: the caller named ``industry``.
        if source == "query" and len(parts) == 3 and isinstance(parts[2], int):
            parts = [parts[1]]
    return ".".join(str(part) for part in parts) or NON_FIELD_ERRORS


def _pydantic_message(error: dict) -> str:
    kind = error.get("type", "")
    loc = error.get("loc") or ()
    if kind == "extra_forbidden" and loc and loc[-1] in READ_ONLY_KEYS:
        return str(_READ_ONLY_MESSAGE)
    if kind == "missing" and tuple(loc[:1]) == ("body",) and len(loc) <= 2:
        return str(_REQUIRED_BODY)
    template = _PYDANTIC_MESSAGES.get(kind)
    if template is None:
        message = str(error.get("msg", ""))
        return message.removeprefix("Value error, ")
    try:
        return str(template) % dict(error.get("ctx") or {})
    except (KeyError, TypeError, ValueError):
        return str(error.get("msg", template))


def validation_errors(errors: list[dict]) -> dict[str, list[str]]:
    """Pydantic/ninja errors as ``{field.path: [message, ...]}``."""
    result: dict[str, list[str]] = {}
    for error in errors:
        path = _field_path(tuple(error.get("loc") or ()))
        message = _pydantic_message(error)
        if message not in result.setdefault(path, []):
            result[path].append(message)
    return result


def _django_errors(exc: DjangoValidationError) -> tuple[dict[str, list[str]], set]:
    if hasattr(exc, "error_dict"):
        groups = exc.error_dict.items()
    else:
        groups = [(NON_FIELD_ERRORS, exc.error_list)]
    errors, codes = {}, set()
    for key, items in groups:
        for item in items:
            codes.add(item.code)
            errors.setdefault(key, []).extend(DjangoValidationError(item).messages)
    return errors, codes


def register_error_handlers(api: NinjaAPI) -> None:
    """Map every exception a view can raise to the one JSON error shape."""

    def respond(request, status, code, message, errors=None):
        return api.create_response(request, error_body(code, message, errors), status=status)

    def on_validation(request, exc: NinjaValidationError):
        return respond(
            request,
            422,
            "validation_error",
            _("The request is not valid: see errors."),
            validation_errors(exc.errors),
        )

    def on_django_validation(request, exc: DjangoValidationError):
        errors, codes = _django_errors(exc)
        if codes and codes <= DUPLICATE_CODES:
            first = next(iter(errors.values()))[0]
            return respond(request, 409, "duplicate", first, errors)
        return respond(
            request, 422, "validation_error", _("The request is not valid: see errors."), errors
        )

    def on_service_error(request, exc: ServiceError):
        if exc.errors:
            errors = {key: [str(text) for text in texts] for key, texts in exc.errors.items()}
        else:
            errors = {exc.field: [str(exc)]} if exc.field else {}
        response = respond(request, exc.status, exc.code, str(exc), errors)
        if isinstance(exc, StaleVersionError):
            # What the caller needs to read again and retry: the version now stored.
            response["ETag"] = etag(exc.current_version)
        return response

    def on_http_error(request, exc: HttpError):
        if isinstance(exc, AuthenticationError) or exc.status_code == 401:
            return respond(request, 401, "not_authenticated", _NOT_AUTHENTICATED)
        code, message = _HTTP_CODES.get(exc.status_code, ("error", str(exc)))
        return respond(request, exc.status_code, code, message)

    def on_not_found(request, exc):
        text = str(exc) if isinstance(exc, Http404) and exc.args else ""
        return respond(request, 404, "not_found", text or _("Not found."))

    def on_permission_denied(request, exc: PermissionDenied):
        code = "csrf_failed" if isinstance(exc, CsrfFailed) else "permission_denied"
        text = str(exc) or _("You do not have the permission for this.")
        return respond(request, 403, code, text)

    def on_integrity(request, exc: IntegrityError):
        # A backstop: the services refuse such writes with a clearer reason first.
        logger.warning("Integrity error reached the API: %s", exc)
        return respond(
            request, 409, "conflict", _("The change conflicts with other data and was refused.")
        )

    def on_data_error(request, exc: DataError):
        logger.warning("Data error reached the API: %s", exc)
        return respond(request, 422, "validation_error", _("A value does not fit the database."))

    def on_unexpected(request, exc: Exception):
        logger.exception("Unexpected error in the API", exc_info=exc)
        return respond(request, 500, "server_error", _("An unexpected error occurred."))

    for exc_class, handler in [
        (NinjaValidationError, on_validation),
        (DjangoValidationError, on_django_validation),
        (ServiceError, on_service_error),
        (HttpError, on_http_error),
        (Http404, on_not_found),
        (ObjectDoesNotExist, on_not_found),
        (PermissionDenied, on_permission_denied),
        (IntegrityError, on_integrity),
        (DataError, on_data_error),
        (Exception, on_unexpected),
    ]:
        api.add_exception_handler(exc_class, handler)


_NOT_AUTHENTICATED = _("Authentication required: send Authorization: Bearer <token>.")
_HTTP_CODES = {
    400: ("bad_request", _("The request body cannot be parsed: send valid JSON.")),
    403: ("permission_denied", _("You do not have the permission for this.")),
    404: ("not_found", _("Not found.")),
    405: ("method_not_allowed", _("This method is not allowed here.")),
    428: (
        "precondition_required",
        _(
            'Send If-Match with the ETag of the record as you read it (e.g. If-Match: "7"), '
            "so that a change made meanwhile by someone else is not overwritten."
        ),
    ),
    429: ("throttled", _("Too many requests: try again later.")),
}
