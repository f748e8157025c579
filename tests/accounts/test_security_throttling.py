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
from django.test import Client, override_settings
from django.urls import reverse

from supervision_site.settings import base

from ..factories import PASSWORD, StaffProfileFactory, totp_code

pytestmark = pytest.mark.django_db

# The limits every deployment runs with (the test settings switch them off for
# the many sign-ins of other tests).
LIMITS: dict[str, str] = base.ACCOUNT_RATE_LIMITS or {}
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
        # Read while the clock is still START's: the session expires SESSION_COOKIE_AGE
        # after it, and read at the real time it was expired (from 7 December 2026).
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
        assert client.session["_auth_user_id"] == str(programme_admin.pk)  # START's clock


# --- Shared hospital networks: limits by account and by (address, account) ---

WARD = "198.51.100.40"  # one hospital's shared address


def _sign_in_from(address, user_or_email, password, **headers):
    email = getattr(user_or_email, "email", user_or_email)
    return Client(REMOTE_ADDR=address, **headers).post(
        reverse("account_login"), {"login": email, "password": password}
    )


def _limits(**changes):
    return override_settings(ACCOUNT_RATE_LIMITS={**LIMITS, **changes})


def test_forty_people_signing_in_from_one_address_within_a_minute_all_get_in(organisation):
    people = [StaffProfileFactory(organisation=organisation).user for _ in range(40)]
    with time_machine.travel(START, tick=False):
        responses = [_sign_in_from(WARD, person, PASSWORD) for person in people]
    assert [response.status_code for response in responses] == [302] * 40


def test_made_up_emails_failing_from_one_address_do_not_block_a_real_person_there(supervisee):
    with time_machine.travel(START, tick=False):
        for n in range(15):
            response = _sign_in_from(WARD, f"made-up-{n}@trust.example", "guess")
            assert response.status_code == 200
        response = _sign_in_from(WARD, supervisee, PASSWORD)
    assert response.status_code == 302


def test_six_wrong_passwords_lock_the_account_from_any_address_with_a_clear_message(
    supervisee, other_supervisee
):
    with time_machine.travel(START, tick=False):
        for n in range(6):
            _sign_in_from(f"203.0.113.{n + 1}", supervisee, "not-the-password")
        response = _sign_in_from("192.0.2.77", supervisee, PASSWORD)
        colleague = _sign_in_from("192.0.2.77", other_supervisee, PASSWORD)
    assert response.status_code == 200
    assert THROTTLED in response.content.decode()
    assert colleague.status_code == 302


def test_a_spray_from_one_untrusted_address_is_stopped_at_a_high_number(db):
    with time_machine.travel(START, tick=False):
        for n in range(100):
            response = _sign_in_from(WARD, f"sprayed-{n}@trust.example", "guess")
            assert response.status_code == 200, n
        response = _sign_in_from(WARD, "sprayed-100@trust.example", "guess")
    assert response.status_code == 429
    content = response.content.decode()
    assert content.count("<h1") == 1
    assert "Too many attempts" in content


def test_every_sign_in_from_one_address_is_bounded_too(supervisee):
    with _limits(signin_address="3/m/key"), time_machine.travel(START, tick=False):
        for _ in range(3):
            assert _sign_in_from(WARD, supervisee, PASSWORD).status_code == 302
        assert _sign_in_from(WARD, supervisee, PASSWORD).status_code == 429


def test_trusted_egress_networks_have_no_per_address_limit(settings, supervisee):
    settings.TRUSTED_EGRESS_NETWORKS = ["198.51.100.0/24"]
    with (
        _limits(signin_address="3/m/key", signin_failed_address="3/m/key"),
        time_machine.travel(START, tick=False),
    ):
        for n in range(10):
            assert _sign_in_from(WARD, f"made-up-{n}@trust.example", "guess").status_code == 200
        assert _sign_in_from(WARD, supervisee, PASSWORD).status_code == 302
        # An address outside the trusted ranges keeps its ceiling.
        for n in range(3):
            _sign_in_from("203.0.113.9", f"made-up-{n}@trust.example", "guess")
        assert _sign_in_from("203.0.113.9", supervisee, PASSWORD).status_code == 429


def test_one_account_from_one_address_is_bounded_even_with_the_right_password(
    supervisee,
):
    with _limits(signin_address_account="3/m/key"), time_machine.travel(START, tick=False):
        for _ in range(3):
            assert _sign_in_from(WARD, supervisee, PASSWORD).status_code == 302
        refused = _sign_in_from(WARD, supervisee, PASSWORD)
        elsewhere = _sign_in_from("192.0.2.8", supervisee, PASSWORD)
    assert refused.status_code == 200
    assert THROTTLED in refused.content.decode()
    assert elsewhere.status_code == 302


@pytest.mark.parametrize(
    ("proxies", "counted_as_trusted"),
    [(0, False), (1, True)],
)
def test_x_forwarded_for_is_honoured_only_behind_trusted_proxies(
    settings, supervisee, proxies, counted_as_trusted
):
    """The client says it is on the trusted network; only a trusted proxy's word counts."""
    settings.TRUSTED_PROXY_COUNT = proxies
    settings.TRUSTED_EGRESS_NETWORKS = ["10.0.0.0/8"]
    headers = {"HTTP_X_FORWARDED_FOR": "10.20.30.40"}
    with _limits(signin_failed_address="3/m/key"), time_machine.travel(START, tick=False):
        for n in range(3):
            _sign_in_from("192.0.2.1", f"made-up-{n}@trust.example", "guess", **headers)
        response = _sign_in_from("192.0.2.1", supervisee, PASSWORD, **headers)
    assert response.status_code == (302 if counted_as_trusted else 429)


def test_a_short_x_forwarded_for_behind_proxies_falls_back_to_the_connecting_address(
    settings, supervisee
):
    settings.TRUSTED_PROXY_COUNT = 2
    response = _sign_in_from("192.0.2.1", supervisee, PASSWORD, HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert response.status_code == 302


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
    assert found["limits"]["login_failed"] == "5/5m/key"
    assert found["limits"]["login"] == ""  # allauth's 30 a minute per address: replaced
    assert found["limits"]["signin_address"] == "300/m/key"
