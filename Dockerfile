# syntax=docker/dockerfile:1
# One image for every Azora role; the arguments choose it:
#   docker run IMAGE                      the HTTP ingress (the default CMD)
#   docker run IMAGE consume payments     one consuming service (identity, learning, wallet,
#                                         payments, tutor, projections)
#   docker run IMAGE relay | lag-exporter | migrate | topics apply --replication-factor 3
# The build stage makes a virtualenv (and has a compiler, for any dependency without a wheel);
# the final stage is python:3.11-slim with that virtualenv only, run as uid 10001.
# Checked by hadolint in tests/unit/test_deployment_as_code.py.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/azora
ENV PATH=/opt/azora/bin:$PATH
WORKDIR /src
# The dependencies first, read from pyproject.toml: a change to the code alone reuses this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
      > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt
COPY azora ./azora
COPY schemas ./schemas
COPY producers ./producers
COPY consumers ./consumers
COPY stack ./stack
RUN pip install --no-deps . \
 && python -m compileall -q /opt/azora/lib \
 && azora --help >/dev/null

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="azora" \
      org.opencontainers.image.description="Azora: an event-driven learning platform on Apache Kafka"
RUN groupadd --system --gid 10001 azora \
 && useradd --system --uid 10001 --gid 10001 --create-home --home-dir /home/azora \
      --shell /usr/sbin/nologin azora
COPY --from=build /opt/azora /opt/azora
# In a container every listener binds all interfaces (the defaults are 127.0.0.1).
ENV PATH=/opt/azora/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    AZORA_INGRESS_HOST=0.0.0.0 \
    AZORA_METRICS_HOST=0.0.0.0
USER 10001:10001
WORKDIR /home/azora
# 8000: the ingress (HTTP, /metrics too); 9100: /metrics of a consumer, the relay or the lag
# exporter (AZORA_METRICS_PORT; the lag exporter serves on 9100 without it).
EXPOSE 8000 9100
ENTRYPOINT ["azora"]
CMD ["ingress"]
