"""Schemathesis against the running stack: bad input never gets a 5xx, every answer is documented.

Bounded and repeatable: at most a fixed number of generated examples per operation (plus the
boundary cases of the coverage phase), deterministic generation, one worker; the run takes
well under a minute. Authenticated operations run as a registered, logged-in user (an admin).

It runs Schemathesis's own command line (`schemathesis run`): its pytest plugin's lazy
schemas (`schemathesis.pytest.from_fixture`, needed because the stack only exists once the
session starts) do not run under pytest 9.2, and the command line is its stable interface.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.e2e.helpers import PASSWORD, grant
from tests.support.world import World

pytestmark = pytest.mark.e2e

EXAMPLES_PER_OPERATION = 50
# The fuzzer stands behind the stack's trusted proxy (AZORA_TRUSTED_PROXIES) as a client
# address of its own, so the failed logins it provokes count against that address, not
# against 127.0.0.1, which every other e2e test logs in from. A documentation-range address:
# it is only a header value, nothing is sent there.
FUZZER_ADDRESS = "198.51.100.20"

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",  # what the schema forbids is refused with a 4xx
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "ignored_auth",  # an operation that declares a bearer token refuses requests without one
]
# Not checked: positive_data_acceptance. Schema-valid requests are refused by rules a JSON
# schema cannot say (an unknown id is 404, a cursor must be one we issued, a password must
# not be a common one), and those refusals are documented answers. The stateful phase is off:
# it chains operations through links the document does not declare.


@pytest.fixture(scope="module")
def access_token(stack: str, stack_world: World) -> str:
    """The access token of a registered user who is also an admin (so the dead-letter
    endpoints answer more than 403; not an instructor: no fuzzed courses in the catalogue)."""
    email = f"fuzz-{uuid.uuid4().hex[:12]}@example.org"
    credentials = {"email": email, "password": PASSWORD}
    with httpx.Client(base_url=stack, timeout=40) as http:
        accepted = http.post("/v1/auth/register", json={**credentials, "display_name": "Fuzz"})
        assert accepted.status_code == 202, accepted.text
        settled = http.get(accepted.json()["status_url"], params={"wait": 10})
        assert settled.json()["status"] == "succeeded", settled.text
        grant(stack_world, accepted.json()["user_id"], "admin")
        deadline = time.monotonic() + 20
        while True:
            tokens = http.post("/v1/auth/login", json=credentials)
            assert tokens.status_code == 200, tokens.text
            token: str = tokens.json()["access_token"]
            me = http.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
            if "admin" in me["roles"]:  # the grant is projected; this login carries it
                return token
            assert time.monotonic() < deadline, "the admin role was never projected"
            time.sleep(0.2)


def test_no_answer_is_a_server_error_or_off_the_documented_schema(
    stack: str, access_token: str, tmp_path: Path
) -> None:
    # No crash cache: each run is the same run, and it writes nothing into the work tree.
    config = tmp_path / "schemathesis.toml"
    config.write_text('hooks = "tests.e2e.fuzz_hooks"\n\n[cache]\nenabled = false\n')
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "run",
        f"{stack}/openapi.json",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(EXAMPLES_PER_OPERATION),
        "--generation-deterministic",  # also: no example database
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--header",
        f"Authorization: Bearer {access_token}",
        "--header",
        f"X-Forwarded-For: {FUZZER_ADDRESS}",
        "--no-color",
    ]
    root = Path(__file__).parents[2]  # where `tests.e2e.fuzz_hooks` imports from
    done = subprocess.run(
        command,
        cwd=tmp_path,  # Hypothesis keeps a cache in the working directory: not the work tree
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    print(done.stdout[-4000:])
    assert done.returncode == 0, done.stdout[-20000:] + done.stderr[-5000:]
