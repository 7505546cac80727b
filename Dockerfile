# syntax=docker/dockerfile:1
# One image for every process: the web processes (default: HTTP on granian WSGI, port PORT, and
# websockets on uvicorn ASGI, port WS_PORT; SERVE_ROLE=http or ws runs one of them),
# `celery -A config worker`, `celery -A config beat`.

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
    DJANGO_SETTINGS_MODULE=config.settings.production HOST=0.0.0.0 PORT=8000 WS_PORT=8001 \
    SERVE_ROLE=all WEB_CONCURRENCY=2 WEB_THREADS=8 WS_CONCURRENCY=1
RUN groupadd --system app && useradd --system --gid app --home-dir /app --no-create-home app
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=app:app /app /app
USER app
EXPOSE 8000 8001
# Each role SERVE_ROLE names answers /api/v1/health/live on its own port.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
    CMD ["python", "-m", "config.serve", "--check"]
# HTTP:       SERVE_ROLE=http -> python -m granian --interface wsgi config.wsgi:application
#             --host $HOST --port $PORT --workers $WEB_CONCURRENCY --blocking-threads $WEB_THREADS
# websockets: SERVE_ROLE=ws   -> python -m uvicorn config.asgi:application
#             --host $HOST --port $WS_PORT --workers $WS_CONCURRENCY --lifespan off --proxy-headers
# (config/serve.py builds both; SERVE_ROLE=all runs both under one supervisor.)
CMD ["python", "-m", "config.serve"]
