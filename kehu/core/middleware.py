"""Middleware shared by every app."""

from django.http import JsonResponse
from django.utils.translation import gettext as _


class ApiJsonErrorsMiddleware:
    """Answer the API's "method not allowed" in the API's JSON error shape.

    django-ninja answers an unsupported method with Django's plain-text 405 and offers no hook
    for it; API clients expect every error as ``{code, message, errors}``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 405
            and request.path.startswith("/api/")
            and "json" not in response.get("Content-Type", "")
        ):
            allowed = response.get("Allow", "")
            json_response = JsonResponse(
                {
                    "code": "method_not_allowed",
                    "message": _("This path does not accept %(method)s; it accepts %(allowed)s.")
                    % {"method": request.method, "allowed": allowed},
                    "errors": {},
                },
                status=405,
                json_dumps_params={"ensure_ascii": False},
            )
            if allowed:
                json_response["Allow"] = allowed
            return json_response
        return response
