"""CloudFormation's side of a custom resource: the request it sends the function, and a ResponseURL that keeps
the answers (a plain HTTP server on loopback standing in for the presigned S3 URL)."""

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any


@contextmanager
def response_url() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A URL to PUT answers to, and the answers it got, parsed."""
    answers: list[dict[str, Any]] = []

    class Keep(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            answers.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Keep)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/answer", answers
    finally:
        server.shutdown()
        server.server_close()


def request(kind: str, url: str, version: int) -> dict[str, Any]:
    """A custom resource request as CloudFormation sends it (``Create``, ``Update`` or ``Delete``)."""
    stack = "arn:aws:cloudformation:us-east-1:123456789012:stack/email-report/1"
    return {"RequestType": kind, "ResponseURL": url, "StackId": stack, "RequestId": str(uuid.uuid4()),
            "ResourceType": "Custom::DataMigration", "LogicalResourceId": "DataMigration",
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:email-report-migrate",
            "ResourceProperties": {"Version": str(version)},
            **({"PhysicalResourceId": "data-migration"} if kind != "Create" else {})}
