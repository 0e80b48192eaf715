# syntax=docker/dockerfile:1
# Netra: build wheels in one stage, run them in a slim image as a non-root user.
#   docker build -t netra .
#   docker run -p 8000:8000 -e NETRA_SECRET_KEY=... -v netra-data:/srv/netra/data netra
# The container migrates the database, then serves. Set NETRA_DATABASE_URL to use PostgreSQL.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY matching ./matching
# Wheels for Netra and every dependency, so the runtime stage needs no compiler and no network.
RUN pip wheel --wheel-dir /wheels .

FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NETRA_ENVIRONMENT=production \
    NETRA_DATABASE_URL=sqlite:////srv/netra/data/netra.db
RUN groupadd --system --gid 10001 netra \
    && useradd --system --uid 10001 --gid netra --home-dir /srv/netra --shell /usr/sbin/nologin netra
COPY --from=builder /wheels /wheels
RUN pip install --no-index --find-links=/wheels netra && rm -rf /wheels
WORKDIR /srv/netra
# Migrations run from the working directory (app.db looks for alembic.ini here when installed as a wheel).
COPY alembic.ini ./
COPY alembic ./alembic
COPY LICENSES ./LICENSES
RUN mkdir -p data && chown -R netra:netra /srv/netra
USER netra
VOLUME ["/srv/netra/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"
# Start-up refuses (exit 2, with the reason) when NETRA_SECRET_KEY is missing: production has no default.
ENTRYPOINT ["/bin/sh", "-c", "netra db upgrade && exec netra serve --host 0.0.0.0 --port 8000 \"$@\"", "netra"]
