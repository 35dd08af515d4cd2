"""The HTTP server: uvicorn, answering even unparsable requests with a problem document."""

from __future__ import annotations

import gc
import json

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from service.errors import PROBLEM_MEDIA_TYPE, ValidationFailed


class ProblemHttpToolsProtocol(HttpToolsProtocol):
    """httptools, but a request it cannot parse gets a 400 problem+json, not plain text."""

    def send_400_response(self, msg: str) -> None:
        """Refuse an unparsable request (an oversize request line, say) as a problem."""
        problem = ValidationFailed(f"Malformed HTTP request: {msg.rstrip('.')}").to_problem("")
        problem["status"] = 400
        body = json.dumps(problem).encode()
        content = [STATUS_LINE[400]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: " + PROBLEM_MEDIA_TYPE.encode() + b"\r\n",
                b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                b"connection: close\r\n",
                b"\r\n",
                body,
            ]
        )
        self.transport.write(b"".join(content))
        self.transport.close()


GC_YOUNG_THRESHOLD = 20_000
"""Net new objects that start a collection of the youngest generation."""


def serve(app: FastAPI, host: str, port: int) -> None:
    """Run app until stopped (logging is configured by the caller)."""
    # The app's long-lived objects (routes, schemas, models) leave the collector's view: a full
    # collection then scans only what requests make, which kept pauses out of the bench's p99.
    gc.freeze()
    # A request's objects die by reference count, but 32 requests in flight hold more than the
    # default 700 young objects between them: the youngest generation was collected every
    # seventh request or so, each time scanning live requests and freeing next to nothing
    # (a twentieth of create's time in the bench). Cycles are still collected, once
    # GC_YOUNG_THRESHOLD objects have piled up.
    gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)
    uvicorn.run(
        app,
        host=host,
        port=port,
        http=ProblemHttpToolsProtocol,
        access_log=False,
        log_config=None,
        server_header=False,
    )
