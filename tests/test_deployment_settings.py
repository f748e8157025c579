"""Every environment variable the code reads is documented, and reaches the app.

The variables are read off the code itself (ast over every Python file of the
project, and the `${NAME:-default}` reads of the shell scripts), so a setting
added anywhere without a line in .env.example fails here. docker-compose.yml
is then resolved the way Docker Compose resolves it (no Docker engine runs
here): a .env that sets every documented variable must arrive unchanged in
every app service, except the few values the compose file fixes because they
name its own services and volumes.
"""

import ast
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ENV_EXAMPLE = ROOT / ".env.example"
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"

SKIPPED_DIRS = {".venv", "node_modules", "var", "static", "tests", ".git", "migrations"}
SHELL_SCRIPTS = [*sorted((ROOT / "scripts").iterdir()), ROOT / ".ci" / "run"]

# Code that configures only the tests, the benchmarks or the developer's tools:
# documented like everything else, but no deployed service reads it.
TOOLING = ("bench/", "scripts/", ".ci/", "supervision_site/settings/test.py",
           "supervision_site/settings/bench.py", "supervision_site/backup.py")  # fmt: skip

APP_SERVICES = ("web", "worker", "beat", "migrate")

# What docker-compose.yml sets whatever .env says, and why.
FIXED_BY_COMPOSE = {
    "DJANGO_SETTINGS_MODULE": "the image runs the production settings",
    "DATABASE_URL": "the stack's own db service",
    "REDIS_URL": "the stack's own redis service",
    "CELERY_BROKER_URL": "the stack's own redis service",
    "MEDIA_ROOT": "where the media volume is mounted",
}


# --- reading the code ----------------------------------------------------------


def _string_arg(call: ast.Call) -> str | None:
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def _is_os_environ(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _reads_a_variable(func: ast.expr) -> bool:
    """env(...), env.<cast>(...), os.environ.get/setdefault(...), os.getenv(...)."""
    if isinstance(func, ast.Name):
        return func.id == "env"
    if not isinstance(func, ast.Attribute):
        return False
    target = func.value
    if isinstance(target, ast.Name):
        return target.id == "env" or (target.id == "os" and func.attr == "getenv")
    return _is_os_environ(target) and func.attr in ("get", "setdefault")


def reads_and_writes(tree: ast.AST) -> tuple[set[str], set[str]]:
    """(variables read, variables assigned) by one module.

    Reads: env("X"), env.<cast>("X"), os.environ["X"], os.environ.get("X"),
    os.environ.setdefault("X", ...), os.getenv("X"). Writes: os.environ["X"] = ...
    """
    reads: set[str] = set()
    writes: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _string_arg(node)
            if name is not None and _reads_a_variable(node.func):
                reads.add(name)
        elif isinstance(node, ast.Subscript) and _is_os_environ(node.value):
            key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                (writes if isinstance(node.ctx, ast.Store) else reads).add(key.value)
    return reads, writes


def python_files():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if not SKIPPED_DIRS.intersection(relative.parts[:-1]):
            yield relative


def variables_read_by_code() -> dict[str, set[str]]:
    """{variable: {files reading it}}. A variable a program sets for itself (for a
    child process) and then reads back is its own business, not configuration."""
    found: dict[str, set[str]] = {}
    for relative in python_files():
        tree = ast.parse((ROOT / relative).read_text(), filename=str(relative))
        reads, writes = reads_and_writes(tree)
        for name in reads - writes:
            found.setdefault(name, set()).add(str(relative))
    for path in SHELL_SCRIPTS:
        text = path.read_text()
        if not text.startswith("#!") or "sh" not in text.splitlines()[0]:
            continue
        for name in re.findall(r"\$\{([A-Z][A-Z0-9_]*):?-", text):
            found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def app_variables() -> set[str]:
    """Variables read by code that a deployed web, worker or beat process runs."""
    return {
        name
        for name, files in variables_read_by_code().items()
        if any(not file.startswith(TOOLING) for file in files)
    }


def env_example_lines():
    return ENV_EXAMPLE.read_text().splitlines()


def assignment_pattern(name):
    """NAME=value, or the same commented out to show the default."""
    return re.compile(rf"^\s*(?:#\s*)?{re.escape(name)}=")


ASSIGNMENT = re.compile(r"^\s*(?:#\s*)?([A-Z][A-Z0-9_]*)=")


def documented_variables() -> set[str]:
    return {match.group(1) for line in env_example_lines() if (match := ASSIGNMENT.match(line))}


# --- resolving docker-compose.yml as Docker Compose does ------------------------

INTERPOLATION = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(?:(:?)([-?])([^}]*))?\}")


def interpolate(value: str, dotenv: dict[str, str]) -> str:
    def one(match):
        name, colon, kind, rest = match.groups()
        present = name in dotenv and (not colon or dotenv[name] != "")
        if present:
            return dotenv[name]
        if kind == "?":
            raise LookupError(f"{name}: {rest}")
        return rest if kind == "-" else ""

    return INTERPOLATION.sub(one, value.replace("$$", "\0")).replace("\0", "$")


def reads_dotenv(service: dict) -> bool:
    """Whether the service takes the whole of .env through env_file."""
    entries = service.get("env_file") or []
    if isinstance(entries, str | dict):
        entries = [entries]
    paths = [entry["path"] if isinstance(entry, dict) else entry for entry in entries]
    return any(Path(path).as_posix().removeprefix("./") == ".env" for path in paths)


def environment_of(service: dict) -> dict[str, str | None]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return env


def container_environment(service: dict, dotenv: dict[str, str]) -> dict[str, str]:
    """The variables a container of `service` starts with, given this .env (and an
    empty shell): env_file first, then `environment` over it, interpolated."""
    result = dict(dotenv) if reads_dotenv(service) else {}
    for name, value in environment_of(service).items():
        if value is None:  # a bare name: passed through from the shell or .env
            if name in dotenv:
                result[name] = dotenv[name]
        else:
            result[name] = interpolate(str(value), dotenv)
    return result


@pytest.fixture(scope="module")
def services():
    return yaml.safe_load(COMPOSE_FILE.read_text())["services"]


# --- the code's variables are documented ----------------------------------------


def test_the_scan_finds_the_variables_wherever_they_are_read():
    # Guards the scan: if it stopped matching, the tests below would prove nothing.
    found = variables_read_by_code()
    assert "supervision_site/settings/base.py" in found["DJANGO_SECRET_KEY"]
    assert "supervision_site/settings/production.py" in found["DJANGO_STATIC_ROOT"]
    assert "manage.py" in found["DJANGO_SETTINGS_MODULE"]
    assert "bench/run.py" in found["BENCH_POSTGRES"]
    assert "scripts/audit" in found["AUDIT_STRICT"]
    # Set by scripts/render_pages.py for its own pytest run, then read back.
    assert "RENDER_PAGES_OUT" not in found
    assert len(app_variables()) >= 40


def test_the_scan_tells_reads_from_writes():
    tree = ast.parse(
        "import os\n"
        "os.environ['A'] = '1'\n"
        "x = os.environ['B'] + os.environ.get('C', '') + os.getenv('D')\n"
        "os.environ.setdefault('E', 'x')\n"
        "y = env('F') + env.int('G', default=1) + env.list('H')\n"
        "z = other('I') + os.environ.get(name)\n"
    )
    assert reads_and_writes(tree) == ({"B", "C", "D", "E", "F", "G", "H"}, {"A"})


def test_every_variable_the_code_reads_is_documented_in_env_example():
    lines = env_example_lines()
    undocumented = []
    for name, files in sorted(variables_read_by_code().items()):
        pattern = assignment_pattern(name)
        index = next((i for i, line in enumerate(lines) if pattern.match(line)), None)
        if index is None:
            undocumented.append(f"{name} (read by {', '.join(sorted(files))})")
            continue
        # A comment right above it, or above the group of settings it ends.
        above = index - 1
        while above >= 0 and ASSIGNMENT.match(lines[above]):
            above -= 1
        if above < 0 or not lines[above].strip().startswith("#"):
            undocumented.append(f"{name} (no explanatory comment above it)")
    assert not undocumented, f".env.example does not document: {undocumented}"


# --- ... and reach every app service of docker-compose.yml -----------------------


def test_every_app_setting_in_dotenv_reaches_every_app_service(services):
    """A .env setting every documented variable: each app service starts with each
    value the app reads, unchanged, apart from the few the compose file fixes."""
    dotenv = {name: f"value-of-{name}" for name in documented_variables()}
    needed = sorted(app_variables() - FIXED_BY_COMPOSE.keys())
    dropped = {}
    for name in APP_SERVICES:
        environment = container_environment(services[name], dotenv)
        lost = [v for v in needed if environment.get(v) != dotenv.get(v)]
        if lost:
            dropped[name] = lost
    assert not dropped, f"docker-compose.yml drops or overrides these .env settings: {dropped}"


def test_dotenv_is_optional_so_shell_values_alone_can_start_the_stack(services):
    for name in APP_SERVICES:
        entries = services[name]["env_file"]
        entry = next(e for e in entries if isinstance(e, dict) and e["path"] == ".env")
        assert entry.get("required") is False, name


@pytest.mark.parametrize("variable", sorted(FIXED_BY_COMPOSE))
def test_fixed_values_are_the_stacks_own(services, variable):
    # The fixed values are literals (nothing to interpolate), the same in every app service.
    values = {environment_of(services[name]).get(variable) for name in APP_SERVICES}
    assert len(values) == 1, values
    (value,) = values
    assert value
    assert "$" not in value


def test_a_real_smtp_server_in_dotenv_replaces_mailpit(services):
    dotenv = {"EMAIL_HOST": "smtp.example.nhs.uk", "EMAIL_PORT": "587", "EMAIL_USE_TLS": "true",
              "EMAIL_HOST_USER": "svc", "EMAIL_HOST_PASSWORD": "pw", "DJANGO_SECRET_KEY": "k",
              "FIELD_ENCRYPTION_KEYS": "f"}  # fmt: skip
    for name in APP_SERVICES:
        environment = container_environment(services[name], dotenv)
        for variable, value in dotenv.items():
            assert environment[variable] == value, (name, variable)
    without = container_environment(
        services["worker"], {"DJANGO_SECRET_KEY": "k", "FIELD_ENCRYPTION_KEYS": "f"}
    )
    assert (without["EMAIL_HOST"], without["EMAIL_PORT"]) == ("mailpit", "1025")


def test_compose_refuses_to_start_without_the_secrets(services):
    with pytest.raises(LookupError, match="DJANGO_SECRET_KEY"):
        container_environment(services["web"], {"FIELD_ENCRYPTION_KEYS": "f"})
    with pytest.raises(LookupError, match="FIELD_ENCRYPTION_KEYS"):
        container_environment(services["web"], {"DJANGO_SECRET_KEY": "k"})


# --- uploaded files -------------------------------------------------------------


def _mounts(service):
    return dict(v.split(":")[1::-1] for v in service.get("volumes", []) if isinstance(v, str))


@pytest.mark.parametrize("name", ["web", "worker"])
def test_uploaded_files_live_on_a_volume_web_and_worker_share(services, name):
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    media_root = environment_of(services[name])["MEDIA_ROOT"]
    volume = _mounts(services[name]).get(media_root)
    assert volume, f"{name}: nothing mounted at MEDIA_ROOT {media_root}"
    assert volume in compose["volumes"], "not a named volume"
    assert _mounts(services["web"])[media_root] == _mounts(services["worker"])[media_root]


def test_the_image_lets_its_user_write_uploaded_files(services):
    # An empty named volume takes the owner of the image's directory; a directory
    # the image lacks is created for root, and the app user could not write there.
    media_root = str(environment_of(services["web"])["MEDIA_ROOT"])
    text = DOCKERFILE.read_text()
    assert re.search(rf"mkdir -p [^\n]*{re.escape(media_root)}", text)
    assert re.search(rf"chown app:app [^\n]*{re.escape(media_root)}", text)
