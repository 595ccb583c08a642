"""Production settings (``KEHU_PRODUCTION=1``): Django's deployment checks pass, and a
missing or weak secret, or DEBUG, stops Kehu before it starts."""

import os
import secrets
import subprocess
import sys

from django.conf import settings

SECRET = secrets.token_urlsafe(64)
# Not inherited from the test run (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE, which the
# deployment check rightly refuses).
UNSET = {
    "DJANGO_SETTINGS_MODULE",
    "SECRET_KEY",
    "DEBUG",
    "KEHU_PRODUCTION",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def run(*args, tmp_path, **env):
    base = {k: v for k, v in os.environ.items() if k not in UNSET and not k.startswith("SECURE_")}
    base.update(KEHU_DATA_DIR=str(tmp_path), **env)
    return subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "-m", "kehu.cli", *args],
        cwd=settings.PROJECT_DIR,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production(**env):
    return {"KEHU_PRODUCTION": "1", "ALLOWED_HOSTS": "kehu.example.com", **env}


def test_the_deployment_check_finds_nothing_with_the_production_settings(tmp_path):
    result = run(
        "manage", "check", "--deploy", "--fail-level", "WARNING",
        tmp_path=tmp_path, **production(SECRET_KEY=SECRET),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stderr


def test_without_the_production_switch_the_deployment_check_does_warn(tmp_path):
    # The check above can fail: the laptop defaults are not fit for production.
    result = run(
        "manage", "check", "--deploy", "--fail-level", "WARNING",
        tmp_path=tmp_path, SECRET_KEY=SECRET,
    )  # fmt: skip

    assert result.returncode != 0
    assert "security.W004" in result.stderr  # no HSTS


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run("manage", "check", tmp_path=tmp_path, **production())

    assert result.returncode != 0
    assert (
        "kehu: KEHU_PRODUCTION is set: SECRET_KEY must be set to a random value of 50+ "
        "characters." in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_production_refuses_a_weak_secret_key(tmp_path):
    for weak in ("kehu-insecure-development-key-change-me", "short", "a" * 60):
        result = run("manage", "check", tmp_path=tmp_path, **production(SECRET_KEY=weak))
        assert result.returncode != 0, weak
        assert "SECRET_KEY must be set to a random value" in result.stderr


def test_production_refuses_debug(tmp_path):
    result = run("manage", "check", tmp_path=tmp_path, **production(SECRET_KEY=SECRET, DEBUG="1"))

    assert result.returncode != 0
    assert "KEHU_PRODUCTION is set: DEBUG must be off." in result.stderr


def test_behind_a_proxy_that_redirects_the_redirect_can_be_left_to_it(tmp_path):
    result = run(
        "manage", "shell", "--no-imports", "-c",
        "from django.conf import settings; "
        "print(settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS)",
        tmp_path=tmp_path,
        **production(SECRET_KEY=SECRET, SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="3600"),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "3600"]
