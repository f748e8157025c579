# syntax=docker/dockerfile:1
#
# Clinical supervision: one image for the web process (gunicorn), the Celery
# worker and Celery beat. docker-compose.yml shows how the three are started.
#
#   docker build -t clinical-supervision .
#
# Runtime configuration comes only from the environment: see .env.example.

# --- Stage 1: NHS.UK frontend from the locked npm package ---------------------
# The same script as `make assets`: static/vendor/nhsuk-frontend/{css,js,maps,assets/}.
FROM node:20-slim AS assets

WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

COPY scripts/vendor-assets scripts/vendor-assets
RUN mkdir -p static && sh scripts/vendor-assets

# --- Stage 2: the application ------------------------------------------------
FROM python:3.11-slim AS app

# Only run-time, non-secret defaults live in ENV. WEB_CONCURRENCY is read by
# gunicorn itself as its number of workers.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=supervision_site.settings.production \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    WEB_CONCURRENCY=3

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app \
        --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first so that a code change does not reinstall them. The project
# is not a package (`packages = []`): `pip install .` installs its pinned
# dependencies and the code runs from /app. The transitive pins in
# requirements/constraints.txt (`make lock`) apply when that file exists;
# README.md is optional too (the globs let COPY match nothing).
COPY pyproject.toml README.md* requirements/constraints.txt* ./
RUN if [ -f constraints.txt ]; then pip install -c constraints.txt .; else pip install .; fi \
    && rm -rf build ./*.egg-info constraints.txt

# Source and the vendored front-end, owned by root: the app user can read, not change, them.
COPY . .
COPY --from=assets /build/static/vendor/nhsuk-frontend ./static/vendor/nhsuk-frontend

# collectstatic imports the production settings, which refuse to load without
# their required variables. The values below exist only for this one command:
# they are not ARG or ENV, so they are not in the image's configuration, and
# nothing here connects to the database or Redis.
RUN DJANGO_SECRET_KEY=build-time-only-collectstatic-key-never-used-at-run-time-0123456789 \
    DATABASE_URL=sqlite:////tmp/collectstatic.sqlite3 \
    REDIS_URL=redis://127.0.0.1:6379/0 \
    DJANGO_ALLOWED_HOSTS=localhost \
    FIELD_ENCRYPTION_KEYS=YnVpbGQtdGltZS1vbmx5LWNvbGxlY3RzdGF0aWMtayE= \
    python manage.py collectstatic --noinput \
    && rm -f /tmp/collectstatic.sqlite3 \
    && mkdir -p /app/var/media \
    && chown app:app /app/var /app/var/media

# /app/var is the only writable place under /app: Celery beat's schedule file
# and, in var/media, uploaded files (docker-compose.yml mounts volumes on both;
# an empty named volume takes this directory's owner, so the app can write).
USER 10001:10001

EXPOSE 8000

# No curl in the slim image: Python asks /healthz, sending a Host header taken
# from DJANGO_ALLOWED_HOSTS so that Django does not answer 400. /healthz is
# exempt from the HTTPS redirect (SECURE_REDIRECT_EXEMPT in production.py).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request as u; hosts = [h.strip().lstrip('.') for h in os.environ.get('DJANGO_ALLOWED_HOSTS', '').split(',') if h.strip() not in ('', '*')]; r = u.urlopen(u.Request('http://127.0.0.1:8000/healthz', headers={'Host': (hosts or ['localhost'])[0]}), timeout=4); sys.exit(0 if r.status == 200 else 1)"]

# Workers: WEB_CONCURRENCY (default 3 above). Access log to stdout, errors to stderr.
CMD ["gunicorn", "supervision_site.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--access-logfile", "-", \
     "--error-logfile", "-", \
     "--worker-tmp-dir", "/dev/shm"]
