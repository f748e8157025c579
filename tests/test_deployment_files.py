"""The deployment files agree with each other and with the settings.

No Docker engine runs here, so docker-compose.yml and the Dockerfile are read as
text; the production settings are exercised for real in clean subprocesses.
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERIGNORE = ROOT / ".dockerignore"
PRODUCTION = "supervision_site.settings.production"

APP_SERVICES = ("web", "worker", "beat")

# ${VAR}, ${VAR:-default}, ${VAR:?message} in docker-compose.yml
COMPOSE_INTERPOLATION = re.compile(r"\$\{([A-Z][A-Z0-9_]*)")

# The subprocesses ignore any developer's .env file (base.py reads one from the
# project root) so that they see exactly the environment each test gives them.
IGNORE_DOTENV = "import environ; environ.Env.read_env = classmethod(lambda cls, *a, **k: None)"


# --- helpers -----------------------------------------------------------------


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def environment_of(service):
    """A service's environment as a dict, whichever of the two forms it uses."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = (item.split("=", 1) if "=" in item else (item, None) for item in env)
        env = dict(pairs)
    return env


def command_of(service):
    command = service.get("command") or []
    return shlex.split(command) if isinstance(command, str) else list(command)


def healthcheck_test(service):
    test = service["healthcheck"]["test"]
    return " ".join(test) if isinstance(test, list) else test


def dockerfile_instructions():
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions, current = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if current and line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        keyword, _, rest = current.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
        current = ""
    return instructions


def final_stage():
    instructions = dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def env_example_lines():
    return ENV_EXAMPLE.read_text().splitlines()


def assignment_pattern(name):
    """NAME=value, or the same commented out to show the default."""
    return re.compile(rf"^\s*(?:#\s*)?{re.escape(name)}=")


def run_python(code, extra_env=None):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DJANGO_SETTINGS_MODULE": PRODUCTION}
    env.update(extra_env or {})
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", f"{IGNORE_DOTENV}\n{code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


REQUIRED_PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "deployment-test-" + "k" * 60,
    "DATABASE_URL": "sqlite:////tmp/x.sqlite3",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "DJANGO_ALLOWED_HOSTS": "supervision.example.nhs.uk",
    # A Fernet key (base64 of 32 bytes) used only by these subprocesses.
    "FIELD_ENCRYPTION_KEYS": "ZGVwbG95bWVudC10ZXN0LW9ubHktZmllbGQta2V5ISE=",
}


# --- docker-compose.yml ------------------------------------------------------


def test_compose_defines_every_service(services):
    assert {"web", "worker", "beat", "db", "redis", "mailpit"} <= set(services)


@pytest.mark.parametrize("name", ["web", "db", "redis"])
def test_compose_service_has_healthcheck(services, name):
    healthcheck = services[name].get("healthcheck") or {}
    assert not healthcheck.get("disable"), name
    assert healthcheck.get("test"), f"{name} has no healthcheck test"


def test_web_healthcheck_asks_healthz(services):
    assert "/healthz" in healthcheck_test(services["web"])


def test_db_healthcheck_uses_pg_isready_and_data_is_on_a_named_volume(compose, services):
    db = services["db"]
    assert db["image"].startswith("postgres:15")
    assert "pg_isready" in healthcheck_test(db)
    volumes = [v.split(":", 1)[0] for v in db.get("volumes", [])]
    assert any(v in (compose.get("volumes") or {}) for v in volumes)


def test_redis_healthcheck_pings(services):
    redis = services["redis"]
    assert redis["image"].startswith("redis:7")
    assert "redis-cli ping" in healthcheck_test(redis)


def test_mailpit_serves_smtp_and_ui(services):
    mailpit = services["mailpit"]
    assert mailpit["image"].startswith("axllent/mailpit")
    ports = " ".join(str(p) for p in mailpit.get("ports", []))
    assert ":1025" in ports
    assert ":8025" in ports


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_gets_required_environment(services, name):
    env = environment_of(services[name])
    assert env.get("DJANGO_SETTINGS_MODULE") == PRODUCTION
    for variable in ("DATABASE_URL", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"):
        assert env.get(variable), f"{name} lacks {variable}"
    assert env.get("REDIS_URL") or env.get("CELERY_BROKER_URL"), f"{name} has no broker"
    assert env["DATABASE_URL"].startswith("postgres://")
    assert "@db:5432/" in env["DATABASE_URL"]
    assert "redis:6379" in (env.get("CELERY_BROKER_URL") or env["REDIS_URL"])


@pytest.mark.parametrize("name", APP_SERVICES)
def test_secret_key_is_demanded_not_defaulted(services, name):
    # ${DJANGO_SECRET_KEY:?...}: compose refuses to start without one.
    secret = environment_of(services[name])["DJANGO_SECRET_KEY"]
    assert re.fullmatch(r"\$\{DJANGO_SECRET_KEY:\?[^}]*\}", secret), secret


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_send_mail_to_mailpit(services, name):
    # Unless .env names another server (tests/test_deployment_settings.py).
    env = environment_of(services[name])
    assert env["EMAIL_BACKEND"] == "${EMAIL_BACKEND:-django.core.mail.backends.smtp.EmailBackend}"
    assert env["EMAIL_HOST"] == "${EMAIL_HOST:-mailpit}"
    assert str(env["EMAIL_PORT"]) == "${EMAIL_PORT:-1025}"


def test_local_stack_does_not_redirect_to_https(services):
    env = environment_of(services["web"])
    assert env["DJANGO_SECURE_SSL_REDIRECT"] == "${DJANGO_SECURE_SSL_REDIRECT:-false}"


def test_web_runs_gunicorn(services):
    command = command_of(services["web"])
    if command:  # otherwise the image's CMD, checked below
        assert command[0] == "gunicorn"
        assert "supervision_site.wsgi:application" in command


def test_worker_runs_a_celery_worker(services):
    command = command_of(services["worker"])
    assert command[:3] == ["celery", "-A", "supervision_site"]
    assert "worker" in command


def test_beat_runs_celery_beat_with_schedule_on_a_volume(compose, services):
    beat = services["beat"]
    command = command_of(beat)
    assert command[:3] == ["celery", "-A", "supervision_site"]
    assert "beat" in command
    assert "worker" not in command
    schedule = next(
        arg.split("=", 1)[1] if "=" in arg else command[i + 1]
        for i, arg in enumerate(command)
        if arg.startswith(("--schedule", "-s"))
    )
    mounts = {
        volume.split(":")[1]: volume.split(":")[0]
        for volume in beat.get("volumes", [])
        if isinstance(volume, str)
    }
    mount_point = next(m for m in mounts if schedule.startswith(m.rstrip("/") + "/"))
    assert mounts[mount_point] in (compose.get("volumes") or {}), "not a named volume"


def runs_migrate(service):
    return "manage.py migrate" in " ".join(command_of(service))


def _conditions(service):
    depends_on = service.get("depends_on") or {}
    assert isinstance(depends_on, dict), "depends_on needs the long form to wait on health"
    return {name: spec.get("condition") for name, spec in depends_on.items()}


def test_web_waits_for_healthy_db_and_redis(services):
    conditions = _conditions(services["web"])
    assert conditions.get("db") == "service_healthy"
    assert conditions.get("redis") == "service_healthy"


def test_migrations_run_before_the_app(services):
    web = services["web"]
    if runs_migrate(web):
        return
    conditions = _conditions(web)
    migrate = [
        name
        for name, condition in conditions.items()
        if condition == "service_completed_successfully" and runs_migrate(services[name])
    ]
    assert migrate, "web neither migrates nor waits for a migrate service"
    assert _conditions(services[migrate[0]]).get("db") == "service_healthy"


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_celery_waits_for_redis(services, name):
    assert _conditions(services[name]).get("redis") == "service_healthy"


@pytest.mark.parametrize("name", ["worker", "beat", "migrate"])
def test_non_web_services_do_not_inherit_the_web_healthcheck(services, name):
    # The image's HEALTHCHECK asks gunicorn on :8000, which only web runs.
    if name not in services:
        pytest.skip(f"no {name} service")
    healthcheck = services[name].get("healthcheck") or {}
    assert healthcheck.get("disable") or "/healthz" not in str(healthcheck.get("test"))
    assert "test" in healthcheck or healthcheck.get("disable"), f"{name} inherits /healthz"


def test_every_compose_variable_is_documented():
    names = set(COMPOSE_INTERPOLATION.findall(COMPOSE_FILE.read_text()))
    lines = env_example_lines()
    missing = sorted(
        n for n in names if not any(assignment_pattern(n).match(line) for line in lines)
    )
    assert not missing, f"docker-compose.yml uses variables .env.example omits: {missing}"


# --- Dockerfile --------------------------------------------------------------


def test_dockerfile_builds_assets_with_node_and_runs_on_python_slim():
    froms = [args for keyword, args in dockerfile_instructions() if keyword == "FROM"]
    assert froms[0].startswith("node:20-slim")
    assert froms[-1].startswith("python:3.11-slim")
    text = DOCKERFILE.read_text()
    assert "npm ci" in text
    # The image vendors the frontend with the same script as `make assets`.
    assert "scripts/vendor-assets" in text
    assert "scripts/vendor-assets" in (ROOT / "Makefile").read_text()
    assert "static/vendor/nhsuk-frontend" in text


def test_dockerfile_runs_as_non_root_user():
    users = [args for keyword, args in final_stage() if keyword == "USER"]
    assert users, "no USER in the final stage"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")


def test_dockerfile_has_healthcheck_on_healthz():
    healthchecks = [args for keyword, args in final_stage() if keyword == "HEALTHCHECK"]
    assert healthchecks
    assert "/healthz" in healthchecks[-1]
    assert "curl" not in healthchecks[-1]


def test_dockerfile_runs_gunicorn():
    commands = [args for keyword, args in final_stage() if keyword == "CMD"]
    assert commands
    cmd = commands[-1]
    assert "gunicorn" in cmd
    assert "supervision_site.wsgi:application" in cmd
    assert "0.0.0.0:8000" in cmd
    assert ("EXPOSE", "8000") in final_stage()


def test_dockerfile_collects_static_with_production_settings():
    stage = final_stage()
    runs = " ".join(args for keyword, args in stage if keyword == "RUN")
    assert "pip install ." in runs
    assert "collectstatic --noinput" in runs
    env = " ".join(args for keyword, args in stage if keyword == "ENV")
    assert f"DJANGO_SETTINGS_MODULE={PRODUCTION}" in env


def test_dockerfile_keeps_build_time_values_out_of_the_image_config():
    for keyword, args in dockerfile_instructions():
        if keyword in ("ENV", "ARG"):
            for secret in ("DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PASSWORD"):
                assert secret not in args, f"{keyword} {args}"


def test_dockerignore_keeps_local_state_out_of_the_build_context():
    entries = {line.strip() for line in DOCKERIGNORE.read_text().splitlines()}
    for entry in (".venv", "node_modules", "var", ".git", "static/vendor", ".env"):
        assert entry in entries, entry
    assert any("__pycache__" in entry for entry in entries)


# --- .env.example ------------------------------------------------------------


# Every variable the code reads is documented: tests/test_deployment_settings.py.


def test_env_example_secret_key_is_a_placeholder_production_refuses():
    values = dict(
        line.split("=", 1) for line in env_example_lines() if line.startswith("DJANGO_SECRET_KEY=")
    )
    placeholder = values["DJANGO_SECRET_KEY"]
    assert "change" in placeholder.lower()
    result = run_python(
        "import django; django.setup()",
        {**REQUIRED_PRODUCTION_ENV, "DJANGO_SECRET_KEY": placeholder},
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


# --- production settings, for real -------------------------------------------


def test_production_settings_name_every_missing_variable():
    result = run_python("import django; django.setup()")
    assert result.returncode != 0, result.stdout
    assert "ImproperlyConfigured" in result.stderr
    message = result.stderr.strip().splitlines()[-1]
    for name in (
        "DJANGO_SECRET_KEY",
        "DATABASE_URL",
        "DJANGO_ALLOWED_HOSTS",
        "CELERY_BROKER_URL or REDIS_URL",
    ):
        assert name in message, message


def test_production_settings_refuse_a_short_secret_key():
    result = run_python(
        "import django; django.setup()",
        {**REQUIRED_PRODUCTION_ENV, "DJANGO_SECRET_KEY": "too-short"},
    )
    assert result.returncode != 0
    assert "at least 50 characters" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = run_python(
        "import runpy, sys\n"
        "sys.argv = ['manage.py', 'check', '--deploy', '--fail-level', 'WARNING']\n"
        "runpy.run_path('manage.py', run_name='__main__')",
        REQUIRED_PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_installs_no_development_tools():
    """The image installs no `dev` extra (django-linear-migrations): production
    settings must not list it in INSTALLED_APPS."""
    result = run_python(
        "import django; django.setup()\n"
        "from django.apps import apps\n"
        "print(apps.is_installed('django_linear_migrations'))",
        REQUIRED_PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False"]


def test_production_has_no_demo_data_or_history_generators():
    """The demo logins (a public password and two-factor key) and the history
    generators live in nonprod/, which production settings never install."""
    result = run_python(
        "import django; django.setup()\n"
        "from django.apps import apps\n"
        "from django.core.management import get_commands\n"
        "print(apps.is_installed('nonprod'), 'demo_data' in get_commands(),"
        " 'generate_history' in get_commands())",
        REQUIRED_PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "False"]
