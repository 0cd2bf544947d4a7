# The sandbox as a container: `docker run -p 8080:8080 <image> [serve flags]`.
# Configure it with MOCKSERVER_* environment variables or with flags after the
# image name (`docker run <image> --seed 7 --tenants per-token`).

# Build: install the project from its own metadata (pyproject.toml) into a
# prefix, so the final image carries neither the sources nor a build cache.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY mockserver ./mockserver
RUN pip install --no-cache-dir --disable-pip-version-check --root-user-action=ignore \
        --prefix=/install .

FROM python:3.11-slim
COPY --from=build /install /usr/local
# /data: where a SQLite store can live (--store sqlite:////data/sandbox.db; mount a
# volume there to keep it); PostgreSQL needs nothing more (psycopg's binary wheel).
RUN useradd --system --uid 10001 --user-group --no-create-home mockserver \
    && mkdir /data && chown 10001:10001 /data
USER 10001:10001
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MOCKSERVER_HOST=0.0.0.0 \
    MOCKSERVER_PORT=8080
EXPOSE 8080
# Python's urllib, not curl (the slim base has none); it follows MOCKSERVER_PORT
# and sends MOCKSERVER_ADMIN_TOKEN when the control plane is protected.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; r.urlopen(r.Request('http://127.0.0.1:' + os.environ['MOCKSERVER_PORT'] + '/__mock/health', headers={'Authorization': 'Bearer ' + os.environ.get('MOCKSERVER_ADMIN_TOKEN', '')}), timeout=2)"]
ENTRYPOINT ["mockserver", "serve"]
