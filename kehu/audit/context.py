"""Who is acting, and within which request or operation, for the audit trail.

The current request lives in a context variable (set by ``AuditContextMiddleware``), never in
process-global state, so concurrent requests (threads or asyncio tasks) cannot see each other's.
The actor is read from ``request.user`` only when an event is recorded: the API's bearer-token
authentication sets ``request.user`` after the middleware has run.

Outside a request (the CLI, management commands, an import), a service names its actor with::

    with audit_context(actor=user, operation_id="import-2026-01"):
        ...
"""

import contextlib
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address

SYSTEM_ACTOR_NAME = "system"

_request: ContextVar = ContextVar("kehu_audit_request", default=None)
_override: ContextVar = ContextVar("kehu_audit_override", default=None)
_suspended: ContextVar = ContextVar("kehu_audit_suspended", default=False)


@contextmanager
def recording_suspended():
    """Record nothing inside: only for what ``migrate`` itself seeds (the roles), which is set-up
    of the installation rather than a change by anyone — as the migrations' own seed data."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


def recording_is_suspended() -> bool:
    return _suspended.get()


@dataclass(frozen=True)
class _Override:
    actor: object = None
    actor_name: str | None = None
    operation_id: str = ""


@dataclass(frozen=True)
class AuditActor:
    """The fields of an event that say who acted, from where, within what."""

    actor: object
    actor_name: str
    request_id: str
    ip: str | None
    operation_id: str


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextlib.contextmanager
def request_scope(request):
    """Make ``request`` the current request for the duration of the block."""
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)


@contextlib.contextmanager
def audit_context(*, actor=None, actor_name: str | None = None, operation_id: str = ""):
    """Name the actor (and optionally an operation id) of the events recorded in the block.

    Nested blocks inherit what they do not set. Inside a request the named actor wins over the
    request's user; the request id and address still come from the request.
    """
    outer = _override.get()
    if outer is not None:
        actor = actor if actor is not None else outer.actor
        actor_name = actor_name if actor_name is not None else outer.actor_name
        operation_id = operation_id or outer.operation_id
    token = _override.set(
        _Override(actor=actor, actor_name=actor_name, operation_id=operation_id[:64])
    )
    try:
        yield
    finally:
        _override.reset(token)


def current_request():
    return _request.get()


def client_ip(request) -> str | None:
    """The client's address, or None when it is not an address.

    Without proxies (``KEHU_TRUSTED_PROXIES`` = 0) the connection's peer (REMOTE_ADDR). Behind
    N trusted reverse proxies, the address the outermost of them saw: the N-th entry from the
    right of ``X-Forwarded-For`` (each proxy appends its peer; entries further left come from the
    client and could be forged, so they are never used).
    """
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR") or ""
    proxies = getattr(settings, "KEHU_TRUSTED_PROXIES", 0)
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        address = forwarded[-proxies] if len(forwarded) >= proxies else ""
    try:
        validate_ipv46_address(address)
    except ValidationError:
        return None
    return address


def _user_of(request):
    user = getattr(request, "user", None) if request is not None else None
    if user is not None and getattr(user, "is_authenticated", False):
        return user
    return None


def current_actor() -> AuditActor:
    """Who is acting now: the ``audit_context`` actor, else the request's user, else the system."""
    request = _request.get()
    override = _override.get()
    actor = override.actor if override is not None else None
    if actor is None:
        actor = _user_of(request)
    if override is not None and override.actor_name is not None:
        name = override.actor_name
    elif actor is not None:
        name = actor.get_username()
    else:
        name = SYSTEM_ACTOR_NAME
    return AuditActor(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=name[:150],
        request_id=getattr(request, "request_id", "") if request is not None else "",
        ip=client_ip(request),
        operation_id=override.operation_id if override is not None else "",
    )
