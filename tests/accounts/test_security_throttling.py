"""Sign-in throttling: repeated failures are slowed down with a clear message, the
limit lifts by itself, and every deployment counts in a real shared cache."""

import datetime
import json
import os
import subprocess
import sys

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from supervision_site.settings import base

from ..factories import PASSWORD, totp_code

pytestmark = pytest.mark.django_db

# The limits every deployment runs with (the test settings switch them off for
# the many sign-ins of other tests).
LIMITS = base.ACCOUNT_RATE_LIMITS
THROTTLED = "You have tried to sign in too many times"
START = datetime.datetime(2026, 11, 23, 9, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _rate_limits_on():
    cache.clear()
    with override_settings(ACCOUNT_RATE_LIMITS=LIMITS):
        yield
    cache.clear()


def _sign_in(client, user, password):
    return client.post(reverse("account_login"), {"login": user.email, "password": password})


def test_repeated_failed_sign_ins_for_one_account_are_throttled_with_a_clear_message(
    client, supervisee
):
    for _ in range(5):
        assert THROTTLED not in _sign_in(client, supervisee, "not-the-password").content.decode()
    response = _sign_in(client, supervisee, PASSWORD)
    assert response.status_code == 200
    content = response.content.decode()
    assert THROTTLED in content
    assert "nhsuk-error-summary" in content
    assert "_auth_user_id" not in client.session


def test_throttling_lifts_after_five_minutes_so_the_person_can_sign_in(client, supervisee):
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(5):
            _sign_in(client, supervisee, "not-the-password")
        traveller.shift(datetime.timedelta(minutes=4))
        assert THROTTLED in _sign_in(client, supervisee, PASSWORD).content.decode()
        traveller.shift(datetime.timedelta(minutes=1, seconds=1))
        response = _sign_in(client, supervisee, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(supervisee.pk)


def test_throttling_one_account_leaves_the_others_alone(client, supervisee, supervisor):
    for _ in range(5):
        _sign_in(client, supervisee, "not-the-password")
    assert _sign_in(client, supervisor, PASSWORD).status_code == 302


def test_wrong_two_factor_codes_are_throttled_too(client, programme_admin):
    with time_machine.travel(START, tick=False) as traveller:
        assert _sign_in(client, programme_admin, PASSWORD)["Location"] == reverse(
            "mfa_authenticate"
        )
        wrong = f"{(int(totp_code()) + 1) % 1_000_000:06d}"
        for _ in range(5):
            client.post(reverse("mfa_authenticate"), {"code": wrong})
        response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
        assert THROTTLED in response.content.decode()
        assert "_auth_user_id" not in client.session
        traveller.shift(datetime.timedelta(minutes=5, seconds=1))
        response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(programme_admin.pk)


def test_too_many_sign_ins_from_one_address_get_a_page_that_explains(client, db):
    for _ in range(30):
        client.post(reverse("account_login"), {"login": "nobody@trust.example", "password": "x"})
    response = client.post(reverse("account_login"), {"login": "x@trust.example", "password": "x"})
    assert response.status_code == 429
    content = response.content.decode()
    assert content.count("<h1") == 1
    assert "Too many attempts" in content


def _settings_of(module: str, **environment) -> dict:
    """CACHES and ACCOUNT_RATE_LIMITS of a settings module, imported in a fresh process."""
    code = (
        "import importlib, json; "
        f"s = importlib.import_module({module!r}); "
        "print(json.dumps({'caches': s.CACHES, 'limits': s.ACCOUNT_RATE_LIMITS}))"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DATABASE_URL", "CELERY_BROKER_URL"}
    }
    env.update(environment)
    result = subprocess.run(  # noqa: S603 - our own interpreter and settings
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.splitlines()[-1])


PRODUCTION = {
    "DJANGO_SECRET_KEY": "x" * 60,
    "DATABASE_URL": "postgres://u:p@db:5432/supervision",
    "DJANGO_ALLOWED_HOSTS": "supervision.example.nhs.uk",
    "FIELD_ENCRYPTION_KEYS": "dGVzdC1vbmx5LWZlcm5ldC1rZXktMDEyMzQ1Njc4OWE=",
}


@pytest.mark.parametrize(
    ("module", "environment", "backend"),
    [
        ("supervision_site.settings.local", {}, "django.core.cache.backends.db.DatabaseCache"),
        (
            "supervision_site.settings.local",
            {"REDIS_URL": "redis://localhost:6379/0"},
            "supervision_site.cache.FailSoftRedisCache",  # Django's, falling back when down
        ),
        (
            "supervision_site.settings.production",
            {**PRODUCTION, "REDIS_URL": "redis://redis:6379/0"},
            "supervision_site.cache.FailSoftRedisCache",  # Django's, falling back when down
        ),
        (
            "supervision_site.settings.production",
            {**PRODUCTION, "CELERY_BROKER_URL": "redis://redis:6379/1"},
            "django.core.cache.backends.db.DatabaseCache",
        ),
    ],
)
def test_deployments_throttle_in_a_real_shared_cache(module, environment, backend):
    found = _settings_of(module, **environment)
    assert found["caches"]["default"]["BACKEND"] == backend
    assert "Dummy" not in json.dumps(found["caches"])
    assert found["limits"]
    assert found["limits"]["login_failed"] == "10/m/ip,5/300s/key"
