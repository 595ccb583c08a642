"""Request context of the audit trail: a request id and the current request."""

import re

from kehu.audit.context import new_request_id, request_scope

REQUEST_ID_HEADER = "X-Request-ID"
# An id from a proxy or a client is kept when it is a plain token: it ends up in logs and events.
_SANE_ID = re.compile(r"\A[A-Za-z0-9._:-]{1,64}\Z")


class AuditContextMiddleware:
    """Give every request an id (an incoming sane ``X-Request-ID`` or a new one), answer with it
    in the ``X-Request-ID`` header and make the request current for the events it causes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request.request_id = incoming if _SANE_ID.match(incoming) else new_request_id()
        with request_scope(request):
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        return response
