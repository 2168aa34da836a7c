"""CloudFormation's custom resource protocol: the function answers at the request's ``ResponseURL`` (a presigned
S3 URL), and CloudFormation waits for that answer (up to an hour) before it goes on with the stack."""

import json
import urllib.request
from typing import Any

PHYSICAL_ID = "data-migration"


def respond(event: dict[str, Any], ok: bool, reason: str, data: dict[str, str] | None = None) -> None:
    """Tell CloudFormation the request succeeded (or failed, with ``reason``, which it shows in the stack events)."""
    body = json.dumps({
        "Status": "SUCCESS" if ok else "FAILED", "Reason": reason[:1000],
        "PhysicalResourceId": event.get("PhysicalResourceId") or PHYSICAL_ID, "StackId": event["StackId"],
        "RequestId": event["RequestId"], "LogicalResourceId": event["LogicalResourceId"], "Data": data or {},
    }).encode()
    # the presigned URL was signed without a content type: sending one would break its signature
    request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT",
                                     headers={"Content-Type": "", "Content-Length": str(len(body))})
    with urllib.request.urlopen(request, timeout=30):
        pass
