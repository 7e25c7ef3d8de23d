# syntax=docker/dockerfile:1
# One image for every Azora role; the arguments choose it:
#   docker run IMAGE                      the HTTP ingress (the default CMD)
#   docker run IMAGE consume payments     one consuming service (identity, learning, wallet,
#                                         payments, tutor, projections)
#   docker run IMAGE relay | lag-exporter | migrate | topics apply --replication-factor 3
# The build stage makes a virtualenv (and has a compiler, for any dependency without a wheel)
# from the lock: requirements/runtime.txt, every package at its locked version and hashes;
# the final stage is python:3.11-slim with that virtualenv only, run as uid 10001.
# `docker build --target tools` makes the operators' tools image: the same plus the parquet
# extra (requirements/tools.txt), for `azora replay export --format parquet`.
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
# The locked dependencies first: a change to the code alone reuses this layer.
COPY requirements/runtime.txt requirements/tools.txt ./requirements/
RUN pip install --require-hashes -r requirements/runtime.txt
COPY pyproject.toml ./
COPY azora ./azora
COPY schemas ./schemas
COPY producers ./producers
COPY consumers ./consumers
COPY stack ./stack
# Built by the locked setuptools, with no dependency resolved here.
RUN pip install --no-deps --no-build-isolation . \
 && python -m compileall -q /opt/azora/lib \
 && azora --help >/dev/null

FROM build AS build-tools
RUN pip install --require-hashes -r requirements/tools.txt \
 && python -c "import pyarrow.parquet"

FROM ${PYTHON_IMAGE} AS base
LABEL org.opencontainers.image.title="azora" \
      org.opencontainers.image.description="Azora: an event-driven learning platform on Apache Kafka"
# exports/: where the tools image writes (a volume mounted there takes this owner).
RUN groupadd --system --gid 10001 azora \
 && useradd --system --uid 10001 --gid 10001 --create-home --home-dir /home/azora \
      --shell /usr/sbin/nologin azora \
 && install -d -o 10001 -g 10001 /home/azora/exports
# In a container every listener binds all interfaces (the defaults are 127.0.0.1).
ENV PATH=/opt/azora/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    AZORA_INGRESS_HOST=0.0.0.0 \
    AZORA_METRICS_HOST=0.0.0.0
WORKDIR /home/azora
# 8000: the ingress (HTTP, /metrics too); 9100: /metrics of a consumer, the relay or the lag
# exporter (AZORA_METRICS_PORT; the lag exporter serves on 9100 without it).
EXPOSE 8000 9100
ENTRYPOINT ["azora"]

# The operators' tools image: `docker build --target tools -t azora-tools .`
FROM base AS tools
COPY --from=build-tools /opt/azora /opt/azora
USER 10001:10001
CMD ["--help"]

# The image every role runs (the default target): no pyarrow.
FROM base
COPY --from=build /opt/azora /opt/azora
USER 10001:10001
CMD ["ingress"]
