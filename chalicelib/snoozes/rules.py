"""Pure rules: a snooze's id, whether it holds a mail back for an address, and how the delivery log says so."""

import hashlib
from datetime import datetime

from chalicelib.models.snoozes import Snooze

EVERYONE = "*"


def snooze_id(integration_id: str, about: str, address: str | None) -> str:
    """One id per (integration, what, recipient or everyone): snoozing the same thing again replaces it, and the
    delivery worker finds a mail's snoozes by key, without a query."""
    who = address.strip().casefold() if address else EVERYONE
    return hashlib.sha256("\x1f".join((integration_id, about, who)).encode()).hexdigest()[:24]


def ids(integration_id: str, about: str, addresses: list[str]) -> set[str]:
    """The ids of every snooze that could hold back a mail about ``about`` to ``addresses``."""
    return {snooze_id(integration_id, about, None), *(snooze_id(integration_id, about, a) for a in addresses)}


def in_force(snooze: Snooze, now: datetime) -> bool:
    return snooze.until is None or snooze.until > now


def holding(snoozes: list[Snooze], integration_id: str, about: str, addresses: list[str],
            now: datetime) -> dict[str, Snooze]:
    """The addresses a mail about ``about`` is held back from, each with the snooze that holds it (one for the
    whole integration before one for the address)."""
    wanted = {s.id: s for s in snoozes if s.integration_id == integration_id and s.about == about
              and in_force(s, now)}
    everyone = wanted.get(snooze_id(integration_id, about, None))
    held = {}
    for address in addresses:
        found = everyone or wanted.get(snooze_id(integration_id, about, address))
        if found:
            held[address] = found
    return held


def reason(snooze: Snooze) -> str:
    """Why the delivery log shows a recipient ``skipped``."""
    who = snooze.address or "every recipient of the integration"
    if snooze.until is None:
        return f"muted for {who} by {snooze.created_by} until the vulnerability's status changes"
    return f"snoozed for {who} by {snooze.created_by} until {snooze.until:%Y-%m-%d %H:%M %Z}"


def skipped(held: dict[str, str]) -> str:
    """A delivery's reason when recipients were held back (``held``: each one's :func:`reason`), and how to send
    it anyway."""
    return ("held back by a snooze or mute: " + "; ".join(f"{a}: {why}" for a, why in held.items())
            + ". Lift it (Snoozes in the console, or DELETE /v1/snoozes/{id}), then redrive this delivery to send it")
