"""Assertions on the API's one error shape."""


def assert_error(response, status: int, code: str, field: str | None = None, says: str = ""):
    """The response is the JSON error ``code`` with ``status``; with ``field``, that field has a
    message containing ``says`` (otherwise the top-level message does). Returns the body."""
    body = response.json()
    assert response.status_code == status, body
    assert set(body) == {"code", "message", "errors"}, body
    assert body["code"] == code, body
    assert body["message"], body
    if field is not None:
        assert field in body["errors"], body
        assert any(says in message for message in body["errors"][field]), body
    else:
        assert says in body["message"], body
    return body
