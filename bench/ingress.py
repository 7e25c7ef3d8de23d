"""Benchmark "ingress": accepted commands per second through `azora ingress` (token checked,
request validated, command published to Kafka with acks=all, 202) against a bare FastAPI
app that validates the same payload and answers the same 202, on the same server software
(uvicorn, uvloop, httptools, one worker), driven by the same wrk at the same concurrency.
The two alternate, two rounds each; the better round of each is compared.

Each is warmed up first: the bare app for 2 s (connections, imports), the ingress for 20 s,
since the broker behind it is a JVM. Against a freshly started broker the ingress took
6,204 accepted/s in its first 2 s, 8,383 after 10 s and 8,700-9,000 from 20 s on; with a
2 s warm-up, `make bench` on a fresh clone read a ratio of 0.725, and 0.920 straight after.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import uuid
from pathlib import Path

from azora.kafka import delete_topics
from azora.settings import Settings
from azora.topic_setup import apply_topics
from azora.topics import TopicNames
from bench import servers
from bench.judging import all_met, at_least, at_most
from bench.result import Result
from producers.ingress.tokens import TokenService

# Issue 21: at least as fast as the bare app while also authenticating and publishing.
GOAL = 1.0
CONNECTIONS = 32
SECONDS = 10
ROUNDS = 2
WARM_UP_S = {"azora": 20, "bare": 2}
HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def wrk_binary() -> str:
    path = subprocess.run(
        [str(REPO / "infra" / "wrk" / "wrk.sh"), "path"], check=True, capture_output=True, text=True
    ).stdout.strip()
    if not Path(path).exists():
        raise SystemExit(f"wrk is not installed at {path}: run `make wrk`")
    return path


def _wrk(wrk: str, url: str, token: str, seconds: int) -> dict[str, float]:
    done = subprocess.run(
        [
            wrk, "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency",
            "-s", str(HERE / "wrk" / "transfer.lua"),
            "-H", f"Authorization: Bearer {token}", url,
        ],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    ok = figures["requests"] - figures["non_2xx"] - figures["socket_errors"]
    figures["accepted_per_s"] = ok / (figures["duration_us"] / 1e6)
    return figures


async def run() -> Result:
    """Both servers, alternating; the ratio of their best accepted-per-second rounds."""
    run_id = secrets.token_hex(4)
    prefix = f"bench-{run_id}."
    settings = Settings(topic_prefix=prefix)
    names = TopicNames(prefix=prefix)
    wrk = wrk_binary()
    token = (
        TokenService(settings.required_secret("secret_key"), 3600, 3600)
        .issue(uuid.uuid4(), ("student",), uuid.uuid4(), 0)
        .access_token
    )
    await apply_topics(settings, names)
    azora_port, bare_port = servers.free_port(), servers.free_port()
    uvicorn_options = ["--loop", "uvloop", "--http", "httptools", "--log-level", "warning",
                       "--no-access-log"]  # fmt: skip
    ingress = servers.start(
        ["-m", "stack", "ingress", "--port", str(azora_port)],
        {"AZORA_TOPIC_PREFIX": prefix, "AZORA_LOG_LEVEL": "WARNING"},
        f"http://127.0.0.1:{azora_port}/readyz",
    )
    bare = servers.start(
        ["-m", "uvicorn", "bench.bare_ingress:app", "--port", str(bare_port), *uvicorn_options],
        {},
        f"http://127.0.0.1:{bare_port}/docs",
    )
    rounds: dict[str, list[dict[str, float]]] = {"azora": [], "bare": []}
    try:
        urls = {
            "azora": f"http://127.0.0.1:{azora_port}/v1/wallet/transfers",
            "bare": f"http://127.0.0.1:{bare_port}/v1/wallet/transfers",
        }
        for name, url in urls.items():
            # Connections, imports, the producer's metadata; and the broker's JIT (above).
            _wrk(wrk, url, token, WARM_UP_S[name])
        for _ in range(ROUNDS):
            for name, url in urls.items():
                rounds[name].append(_wrk(wrk, url, token, SECONDS))
        rss = {"azora": servers.peak_rss_mib(ingress.pid), "bare": servers.peak_rss_mib(bare.pid)}
    finally:
        servers.stop(ingress)
        servers.stop(bare)
        await delete_topics(settings, names.all_physical())
    best = {name: max(r, key=lambda f: f["accepted_per_s"]) for name, r in rounds.items()}
    ratio = best["azora"]["accepted_per_s"] / best["bare"]["accepted_per_s"]

    def line(name: str) -> str:
        b = best[name]
        each = ", ".join(f"{r['accepted_per_s']:,.0f}" for r in rounds[name])
        return (
            f"{b['accepted_per_s']:,.0f} accepted/s, p50 {b['p50_us'] / 1000:.1f} ms, "
            f"p99 {b['p99_us'] / 1000:.1f} ms, non-2xx {b['non_2xx']:.0f}, "
            f"rounds {each}"
        )

    figures = [
        at_least("ratio to bare FastAPI (best rounds)", round(ratio, 3), "", GOAL),
        at_most("non-2xx answers (best round)", best["azora"]["non_2xx"], "", 0),
    ]
    return Result(
        name="ingress",
        figure=f"accepted commands/s (POST /v1/wallet/transfers, {CONNECTIONS} connections)",
        value=round(best["azora"]["accepted_per_s"], 1),
        unit="req/s",
        baseline="bare FastAPI app validating the same payload, same uvicorn",
        baseline_value=round(best["bare"]["accepted_per_s"], 1),
        ratio=round(ratio, 4),
        goal=f"ratio >= {GOAL}",
        passed=all_met(figures),
        rows=[
            ("azora ingress", line("azora")),
            ("bare FastAPI", line("bare")),
            ("peak RSS (ingress, bare)", f"{rss['azora']:.0f} MiB, {rss['bare']:.0f} MiB"),
        ],
        details={"rounds": rounds, "peak_rss_mib": rss},
        figures=figures,
    )
