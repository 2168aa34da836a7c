"""Fault switches of the local stack, off unless the environment sets them; the deployed app never has them.

``LOCAL_SES_FAIL_DOMAIN=fail.example``
    every send to an address of that domain fails as SES refuses a bad address (``MessageRejected``), so
    retries, the delivery log, Test integration's error text and auto-disable can be watched (a ``Throttling``
    error would not do: our own capacity's failures never count against an integration);
``LOCAL_CLOCK_RATE=600``
    the service's clock runs that many times faster than real time (and SQS delays are off, as the
    worker re-queues a try until it is due), so the retry schedule's 51 minutes pass in about 5 s
    and a failing delivery becomes a dead letter while you watch. The stack's worker processes
    (:mod:`local.workers`) share its clock: ``LOCAL_CLOCK_START``, set here, is the moment it started from.
"""

import os
from collections.abc import Callable
from datetime import UTC, datetime

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from chalicelib import clock
from chalicelib.aws import mailer
from chalicelib.settings import get_settings


class FaultSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    local_ses_fail_domain: str | None = None
    local_clock_rate: float = Field(1.0, gt=0)
    local_clock_start: datetime | None = None


def fast_clock(rate: float, start: datetime) -> Callable[[], datetime]:
    """A clock at ``start`` now that then runs ``rate`` times faster than the real one."""
    return lambda: start + (datetime.now(UTC) - start) * rate


def failing_sends(domain: str, send: Callable[[str, list[str], bytes], str]) -> Callable[[str, list[str], bytes], str]:
    """``send``, except that a message to any address of ``domain`` is refused."""
    def send_raw(sender: str, recipients: list[str], raw: bytes) -> str:
        if any(address.rpartition("@")[2].casefold() == domain.casefold() for address in recipients):
            raise mailer.SendError("MessageRejected", f"Email address is not verified. (local fault switch: "
                                                      f"LOCAL_SES_FAIL_DOMAIN={domain})")
        return send(sender, recipients, raw)

    return send_raw


def install() -> list[str]:
    """Switch on what the environment asks for, before the settings are first read; a line per switch."""
    faults = FaultSettings()
    switched: list[str] = []
    if faults.local_clock_rate != 1:
        start = faults.local_clock_start or datetime.now(UTC)
        os.environ.update({"SQS_MAX_DELAY_SECONDS": "0", "LOCAL_CLOCK_START": start.isoformat()})
        get_settings.cache_clear()
        clock.set_source(fast_clock(faults.local_clock_rate, start))
        switched.append(f"LOCAL_CLOCK_RATE={faults.local_clock_rate:g}: the service's clock runs "
                        f"{faults.local_clock_rate:g}x faster than real time")
    if faults.local_ses_fail_domain:
        mailer.send_raw = failing_sends(faults.local_ses_fail_domain, mailer.send_raw)  # type: ignore[assignment]
        switched.append(f"LOCAL_SES_FAIL_DOMAIN={faults.local_ses_fail_domain}: sends to that domain fail")
    return switched
