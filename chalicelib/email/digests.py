"""The digest mail: a period's notifications of one integration, grouped by kind with counts, the top items of each
(newest first), and the way to the console."""

from dataclasses import dataclass

from chalicelib import clock
from chalicelib.email.compose import compose
from chalicelib.email.message import Content
from chalicelib.models.digests import GROUPS, DigestEntry

TOP = 10  # items shown per group; the rest are counted


@dataclass(frozen=True)
class Group:
    """One kind of notification in a digest: its name, how many, the ones shown (time, headline)."""

    name: str
    count: int
    shown: list[tuple[str, str]]

    @property
    def more(self) -> int:
        return self.count - len(self.shown)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def groups(entries: list[DigestEntry], timezone: str) -> list[Group]:
    """The entries by kind in :data:`GROUPS` order (unknown kinds last, by name), each newest first, capped at
    :data:`TOP`; every source once."""
    unique = list({entry.source_id: entry for entry in entries}.values())
    order = {group: position for position, group in enumerate(GROUPS)}
    found: list[Group] = []
    for group in sorted({entry.group for entry in unique}, key=lambda g: (order.get(g, len(order)), g)):
        members = sorted((e for e in unique if e.group == group), key=lambda e: (e.at, e.source_id), reverse=True)
        shown = [(clock.local(e.at, timezone).strftime("%H:%M"), e.headline) for e in members[:TOP]]
        found.append(Group(GROUPS.get(group, group.replace("_", " ").capitalize()), len(members), shown))
    return found


def _title(frequency: str) -> str:
    """``Hourly digest``, ``Daily digest``, ``Quiet hours digest``."""
    return f"{'Quiet hours' if frequency == 'quiet' else frequency.capitalize()} digest"


def subject(frequency: str, period: str, grouped: list[Group]) -> str:
    """``Hourly digest: 12 notifications, 3 high-risk — Wed 25 Nov 2026, 10:00–11:00 CET``."""
    total = sum(group.count for group in grouped)
    high = next((group.count for group in grouped if group.name == GROUPS["vuln_high"]), 0)
    return (f"{_title(frequency)}: {_plural(total, 'notification')}"
            f"{f', {high} high-risk' if high else ''} — {period}")


def render(tenant_name: str, timezone: str, frequency: str, period: str, entries: list[DigestEntry],
           test: bool = False) -> Content:
    """The digest of ``entries`` for the period called ``period`` (in the tenant's ``timezone``); ``test``: Test
    integration's sample, so marked."""
    grouped = groups(entries, timezone)
    total = sum(group.count for group in grouped)
    headline = f"{_title(frequency)}: {_plural(total, 'notification')}"
    return compose("digest", subject(frequency, period, grouped), tenant_name, f"{period} ({timezone})", test,
                   headline=headline, groups=grouped, period=period, timezone=timezone)
