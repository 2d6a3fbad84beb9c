"""Settings are chosen by environment variables alone; production settings pass `check --deploy`."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_"))}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "core.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


PRINT = (
    "from django.conf import settings as s;"
    "print(s.DATABASES['default']['ENGINE']);"
    "print(s.CHANNEL_LAYERS['default']['BACKEND']);"
    "print(s.CACHES['default']['BACKEND']);"
    "print(s.DEBUG)"
)


def test_embedded_default_when_nothing_is_set():
    result = _run(PRINT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "channels.layers.InMemoryChannelLayer",
        "django.core.cache.backends.locmem.LocMemCache",
        "True",
    ]


def test_embedded_database_opens_on_a_fresh_checkout(tmp_path):
    """A fresh clone has no var/ (it is not in git): the first `migrate` of `make run` must still open SQLite."""
    var_dir = tmp_path / "fresh" / "var"
    code = "import django; django.setup(); from django.db import connection as c; c.ensure_connection(); print('ok')"
    result = _run(code, VAR_DIR=str(var_dir))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ok"]
    assert (var_dir / "db.sqlite3").is_file()


def test_production_services_when_urls_are_set():
    result = _run(
        PRINT,
        DATABASE_URL="postgres://u:p@db.internal:5432/gp",
        REDIS_URL="redis://cache.internal:6379/0",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "channels_redis.pubsub.RedisPubSubChannelLayer",
        "core.cache.FailOpenRedisCache",  # Django's RedisCache, failing open when Redis is down
        "False",
    ]


def test_production_refuses_to_start_without_a_secret_key():
    result = _run(PRINT, DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false." in result.stderr


def test_check_deploy_is_clean_with_production_variables():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={
            # Production environment only: browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process.
            **{key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")},
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "pioneer.example.cn",
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
