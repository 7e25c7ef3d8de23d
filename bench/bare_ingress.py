"""The ingress benchmark's baseline: a bare FastAPI app that validates the same transfer
request and answers the same 202, and does nothing else (no token, no Kafka).

Served by the same server software with the same options as `azora ingress`.
"""

from __future__ import annotations

import uuid

from fastapi import FastAPI, Response

from schemas.api import TransferRequest

app = FastAPI(title="bare baseline")


@app.post("/v1/wallet/transfers", status_code=202)
async def transfer(body: TransferRequest, response: Response) -> dict[str, object]:
    """Validate, answer as the ingress does."""
    command_id = uuid.uuid4()
    response.headers["Location"] = f"/v1/commands/{command_id}"
    return {
        "command_id": command_id,
        "status_url": f"/v1/commands/{command_id}",
        "transfer_id": uuid.uuid5(command_id, "transfer"),
    }
