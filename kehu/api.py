"""The REST API (``/api/v1/``): one NinjaAPI assembling each app's router."""

from kehu.core.api.setup import build_api

api = build_api()
