"""SES bounce and complaint notifications (configuration-set event publishing via SNS) → suppressions.

Each message we send carries SES message tags naming the tenant (``X-SES-MESSAGE-TAGS``), and SES returns
them in ``mail.tags``. A permanent (hard) bounce or a complaint suppresses the addresses concerned; a transient
bounce (mailbox full, ...) only is logged, since the retry schedule covers it.
"""

import json
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from chalicelib import clock
from chalicelib.models.suppressions import Suppression
from chalicelib.observability import count, logger
from chalicelib.suppressions import service

TENANT_TAG = "tenant_id"


def _tag(mail: dict[str, Any], name: str) -> str | None:
    values = (mail.get("tags") or {}).get(name) or []
    return values[0] if values and isinstance(values[0], str) else None


def _time(value: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return clock.now()


def suppressions(doc: dict[str, Any]) -> list[Suppression]:
    """What one SES notification puts on the list (nothing for transient bounces and other events)."""
    kind = str(doc.get("eventType") or doc.get("notificationType") or "")
    message_id = (doc.get("mail") or {}).get("messageId")
    if kind == "Bounce":
        bounce = doc.get("bounce") or {}
        if bounce.get("bounceType") != "Permanent":
            return []
        kind_text = f"hard bounce ({bounce.get('bounceSubType', 'General')})"
        return [Suppression(email=r["emailAddress"], reason="bounce", message_id=message_id,
                            detail=f"{kind_text}: {r.get('diagnosticCode') or r.get('status') or 'no detail'}",
                            created_at=_time(bounce.get("timestamp")))
                for r in bounce.get("bouncedRecipients") or [] if r.get("emailAddress")]
    if kind == "Complaint":
        complaint = doc.get("complaint") or {}
        detail = f"complaint ({complaint.get('complaintFeedbackType') or 'not specified'})"
        return [Suppression(email=r["emailAddress"], reason="complaint", message_id=message_id, detail=detail,
                            created_at=_time(complaint.get("timestamp")))
                for r in complaint.get("complainedRecipients") or [] if r.get("emailAddress")]
    return []


def handle(message: str) -> dict[str, Any]:
    """One SNS message from the feedback topic; returns what was done (malformed input is logged, not raised:
    SNS would retry it and then drop it anyway)."""
    try:
        doc = json.loads(message)
        kind = str(doc.get("eventType") or doc.get("notificationType") or "unknown")
        found = suppressions(doc)
    except (ValueError, TypeError, AttributeError, KeyError, ValidationError):
        logger.warning("SES feedback not understood", extra={"sns_message": message[:2000]})
        return {"suppressed": 0, "ignored": "not an SES notification"}
    count(f"Ses{kind}s" if kind in ("Bounce", "Complaint") else "SesOtherEvents")
    if not found:
        logger.info("SES feedback needs no suppression", extra={"ses_event": kind})
        return {"suppressed": 0}
    tenant_id = _tag(doc.get("mail") or {}, TENANT_TAG)
    if tenant_id is None:
        message_id = (doc.get("mail") or {}).get("messageId")
        logger.warning("SES feedback without our tenant tag", extra={"ses_event": kind, "ses_message_id": message_id})
        return {"suppressed": 0, "ignored": "no tenant tag"}
    logger.append_keys(tenant_id=tenant_id)
    for suppression in found:
        service.add(tenant_id, suppression)
    return {"suppressed": len(found), "tenant_id": tenant_id}
