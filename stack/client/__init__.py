"""The typed Python client of Azora's HTTP API, sync (`AzoraClient`) and async (`AsyncAzoraClient`).

    with AzoraClient("http://127.0.0.1:8000") as azora:
        accepted = azora.register("ada@example.org", "correct horse battery", "Ada")
        azora.wait(accepted)                      # CommandStatus, once settled
        azora.login("ada@example.org", "correct horse battery")
        print(azora.me().display_name)

`AzoraClient` has a method for every operation of the API, each marked with its
`operationId` (`operations_of(AzoraClient)` lists them; a test fails when one is missing).
Errors come back as `AzoraError` carrying the problem document. Bodies are built from the
contract's request models (`schemas.api`): one the API would refuse raises pydantic's
`ValidationError` before anything is sent.
"""

from stack.client import calls
from stack.client.base import operations_of
from stack.client.clients import AsyncAzoraClient, AzoraClient, AzoraError

__all__ = ["AsyncAzoraClient", "AzoraClient", "AzoraError", "calls", "operations_of"]
