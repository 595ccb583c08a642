"""Middleware shared by every app."""

from django.conf import settings
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


class ContentSecurityPolicyMiddleware:
    """Send a Content-Security-Policy with every response.

    Kehu's pages load scripts, styles and images from their own origin only and carry no
    inline script, style attribute or event handler (tests/core/test_security_headers.py keeps
    it so), so injected markup cannot run script. Paths listed in ``KEHU_CSP_PATHS`` (the
    API's Swagger page, whose bundle sets styles inline) get their own policy. The other
    security headers come from Django's ``SecurityMiddleware`` and ``XFrameOptionsMiddleware``.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.default_policy = settings.KEHU_CSP
        self.path_policies = sorted(
            settings.KEHU_CSP_PATHS.items(), key=lambda item: len(item[0]), reverse=True
        )

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy_for(request.path)
        return response

    def policy_for(self, path: str) -> str:
        for prefix, policy in self.path_policies:
            if path.startswith(prefix):
                return policy
        return self.default_policy
