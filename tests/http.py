"""Helpers for talking HTTP to the API in tests: optimistic concurrency's ETag and If-Match."""

from django.http import HttpResponse


def etag_of(response: HttpResponse) -> str:
    """The ETag the API sent with a customer (``"7"``); fails the test when there is none."""
    assert "ETag" in response, f"no ETag in the response {response.status_code}"
    return response["ETag"]


def if_match(source) -> dict:
    """Keyword arguments of an ``ApiClient`` call sending If-Match for ``source``.

    ``source`` is a response with an ETag, a customer as JSON (its ``version``), a customer row
    or a version number: ``api.patch(url, data, **if_match(created))``.
    """
    if isinstance(source, HttpResponse):
        value = etag_of(source)
    elif isinstance(source, dict):
        value = f'"{source["version"]}"'
    elif isinstance(source, int):
        value = f'"{source}"'
    else:
        value = f'"{source.version}"'
    return {"headers": {"If-Match": value}}
