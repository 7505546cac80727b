# syntax=docker/dockerfile:1
# One image for every process: the ASGI server (default), `celery -A config worker`, `celery -A config beat`.

ARG PYTHON_VERSION=3.11

# --- build: resolve the locked dependencies into a virtualenv ----------------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS build
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv
RUN pip install --no-cache-dir "uv==0.13.9"
WORKDIR /app
COPY pyproject.toml uv.lock ./
# Production dependencies only: the embedded PostgreSQL/Redis and test tools stay out.
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN DJANGO_SETTINGS_MODULE=config.settings.production \
    DJANGO_SECRET_KEY=collectstatic-only DJANGO_ALLOWED_HOSTS=build \
    DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    CLERK_JWKS_URL=https://build.invalid/jwks.json \
    /opt/venv/bin/python manage.py collectstatic --no-input

# --- runtime: the venv, the code and the collected static files, run as non-root ---
FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production PORT=8000 \
    WEB_CONCURRENCY=2
RUN groupadd --system app && useradd --system --gid app --home-dir /app --no-create-home app
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=app:app /app /app
USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8000\")}/api/v1/health/live', timeout=4)"]
CMD ["sh", "-c", "DATABASE_POOL=${DATABASE_POOL:-true} exec uvicorn config.asgi:application --host 0.0.0.0 --port ${PORT} --lifespan off --timeout-graceful-shutdown 20 --proxy-headers --forwarded-allow-ips='*'"]
