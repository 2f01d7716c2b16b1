# policybot in a container: the production install (deploy/install.sh: the locked runtime dependencies, no
# development tools), run as a user of its own, answering Slack over HTTP on port 3000 behind your TLS proxy.
# compose.yaml runs it with PostgreSQL. Not built in CI (no container engine there): docs/operations.md says so.
FROM python:3.11-slim-bookworm

# The container's file system is read-only (compose.yaml): matplotlib keeps its font cache in /tmp.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 POLICYBOT_ENV_FILE=/dev/null MPLCONFIGDIR=/tmp/matplotlib PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml requirements.lock README.md LICENSE ./
COPY bot ./bot
COPY flows ./flows
COPY storage ./storage
COPY sandbox ./sandbox
COPY deploy/install.sh ./deploy/install.sh
RUN deploy/install.sh /opt/policybot/venv \
    && rm -rf /src \
    && useradd --system --home-dir /var/lib/policybot --create-home --shell /usr/sbin/nologin policybot

USER policybot
WORKDIR /var/lib/policybot
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=2 \
    CMD ["python3", "-c", "import urllib.request, sys; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]
# 0.0.0.0 inside the container only: publish the port to the host's loopback (compose.yaml) and put TLS in front.
CMD ["/opt/policybot/venv/bin/policybot", "serve", "--http", "--host", "0.0.0.0", "--port", "3000", "--workers", "2", "--threads", "8"]
