"""A month of attacks from a ledger, posted live through the API on the injected clock, with two triggers watching:
each alert's every figure is recounted from the ledger alone (the events of its window up to the one that took the
count above the threshold) and compared, count against every breakdown."""

import random
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib import clock
from chalicelib.vocabulary import describe
from tests.support.api import Api
from tests.support.clock import FrozenClock
from tests.support.pipeline import Pipeline, outbox

TOKYO = ZoneInfo("Asia/Tokyo")
TYPES = ("sqli", "xss", "ptrav", "rce")
HOSTS = ("pay.kaitopay.example", "admin.kaitopay.example:8443", "api.kaitopay.example")
IPS = [(f"203.0.113.{n}", "JP" if n % 3 else "US") for n in range(1, 13)]


@dataclass(frozen=True)
class Attack:
    """One ledger line: what the platform reports, and what the recount reads."""

    id: str
    at: datetime
    type: str
    host: str
    hits: int
    blocked: bool
    ip: str
    country: str

    def event(self) -> dict[str, Any]:
        return {"id": self.id, "type": "attack.detected", "time": clock.iso(self.at),
                "data": {"type": self.type, "host": self.host, "hits": self.hits, "blocked": self.blocked,
                         "ip": self.ip, "country": self.country, "path": "/v1/pay"}}


def ledger() -> list[Attack]:
    """November 2026: about two attacks a day, and five bursts of 24–40 in one hour."""
    rng = random.Random(24)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    moments = [start + timedelta(seconds=rng.randrange(30 * 86400)) for _ in range(60)]
    for day in (3, 9, 14, 21, 27):
        hour = start + timedelta(days=day, hours=rng.randrange(24))
        moments += [hour + timedelta(seconds=rng.randrange(3600)) for _ in range(rng.randrange(24, 41))]
    attacks = []
    for n, at in enumerate(sorted(moments)):
        ip, country = rng.choice(IPS)
        attacks.append(Attack(f"ledger-{n}", at, rng.choice(TYPES), rng.choice(HOSTS), rng.randrange(1, 400),
                              rng.random() < 0.8, ip, country))
    return attacks


def firing_sets(attacks: list[Attack], window: Any, metric: str, threshold: int,
                host: str | None = None) -> dict[datetime, tuple[int, list[Attack]]]:
    """Per window that fires: the count when it fired and the events that made it up, in arrival order."""
    fired: dict[datetime, tuple[int, list[Attack]]] = {}
    totals: Counter[datetime] = Counter()
    members: dict[datetime, list[Attack]] = {}
    for attack in attacks:
        if host and attack.host != host:
            continue
        start = window(attack.at)
        if start in fired:
            continue
        totals[start] += attack.hits if metric == "hits" else 1
        members.setdefault(start, []).append(attack)
        if totals[start] > threshold:
            fired[start] = (totals[start], members[start])
    return fired


def rows(text: str, title: str) -> dict[str, int]:
    """A top list of the mail as ``{name: count}``; the tie line, if any, as ``"… and N more": count``."""
    section = text.split(f"\n{title}:\n", 1)[1].split("\n\n", 1)[0]
    return {name: int(count.replace(",", "")) for name, count in
            re.findall(r"^  (.+?)(?: \([^()]*(?:\([^()]*\))?[^()]*\))?: ([\d,]+) \w+(?: each)?$", section, re.M)}


def expected_rows(counter: Counter[str]) -> dict[str, int]:
    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    shown = dict(ranked[:5])
    tied = [name for name, n in ranked[5:] if n == ranked[4][1]] if len(ranked) > 5 else []
    return shown | ({f"… and {len(tied)} more with as many": ranked[4][1]} if tied else {})


def check(text: str, metric: str, count: int, fired: list[Attack]) -> None:
    """Every figure of one alert against the recount of ``fired``."""
    unit = (lambda a: a.hits) if metric == "hits" else (lambda a: 1)
    by: dict[str, Counter[str]] = {"types": Counter(), "hosts": Counter(), "pairs": Counter(), "ips": Counter()}
    for attack in fired:
        name = describe(attack.type).name
        by["types"][name] += unit(attack)
        by["hosts"][attack.host] += unit(attack)
        by["pairs"][f"{name} on {attack.host}"] += unit(attack)
        by["ips"][attack.ip] += unit(attack)
    blocked, hits = sum(a.blocked for a in fired), sum(a.hits for a in fired)
    assert f"\nCount: {count:,} (when it fired)\n" in text
    assert count == sum(unit(a) for a in fired)
    if metric == "hits":
        assert f"\nAttacks: {len(fired):,} ({hits:,} hits)\n" in text
    else:
        assert f"\nHits: {hits:,}\n" in text
    monitored = len(fired) - blocked
    assert (f"Blocked: all {len(fired):,} attacks blocked" if not monitored else
            f"Blocked: none of {len(fired):,} attacks: all only monitored" if not blocked else
            f"Blocked: {blocked:,} of {len(fired):,} attacks blocked, {monitored:,} only monitored") in text
    assert ("consider blocking mode" in text) is bool(monitored)
    for title, key in (("Top attack types", "types"), ("Top hosts", "hosts"), ("Top attack types by host", "pairs"),
                       ("Top source IPs", "ips")):
        assert rows(text, title) == expected_rows(by[key]), title
    for key in ("types", "hosts", "pairs"):  # few enough to be listed whole: each adds up to the count
        assert sum(by[key].values()) == count
    [(leader, most)] = [item for item in by["pairs"].items() if item[1] == max(by["pairs"].values())][:1]
    if list(by["pairs"].values()).count(most) == 1:
        assert f" — {leader}\n" in text.split("\n", 3)[1] + "\n"


def test_every_figure_of_every_alert_of_a_month_matches_the_ledger(api: Api, pipeline: Pipeline,
                                                                    frozen_clock: FrozenClock) -> None:
    # GIVEN a Tokyo tenant watching more than 20 attacks an hour, and more than 1,500 hits a day on the pay host
    tenant = api.tenant("Kaito", "sec@kaito.example", timezone="Asia/Tokyo")
    soc = tenant.integration(name="SOC", emails="soc@kaito.example", events=["system"])
    for name, condition in (
            ("Attack spike", {"type": "threshold", "metric": "attacks", "interval": "hour", "threshold": 20}),
            ("Hits flood", {"type": "threshold", "metric": "hits", "interval": "day", "threshold": 1500,
                            "filters": {"domain": ["pay.kaitopay.example"]}})):
        assert tenant.call("POST", "/v1/triggers", {"name": name, "integration_ids": [soc["id"]],
                                                    "condition": condition})[0] == 201

    # WHEN the month arrives as it happened: each hour's attacks posted at the end of their hour
    attacks = ledger()
    for hour, batch in groupby(attacks, key=lambda a: a.at.replace(minute=0, second=0, microsecond=0)):
        events = [attack.event() for attack in batch]
        frozen_clock.moment = hour + timedelta(minutes=59, seconds=59)
        status, body = tenant.call("POST", "/v1/events", {"events": events})
        assert status == 202 and {r["status"] for r in body["results"]} == {"accepted"}, body
    pipeline.drain()

    # THEN the alerts are exactly the windows the ledger fires, each figure recounted from the ledger
    spikes = firing_sets(attacks, lambda at: at.replace(minute=0, second=0, microsecond=0), "attacks", 20)
    floods = firing_sets(attacks, lambda at: at.astimezone(TOKYO).replace(hour=0, minute=0, second=0, microsecond=0),
                         "hits", 1500, "pay.kaitopay.example")
    mails = {name: [m.text.replace("\r\n", "\n") for m in outbox() if f"Trigger “{name}”" in m.subject]
             for name in ("Attack spike", "Hits flood")}
    assert len(spikes) >= 5 and len(floods) >= 3  # the ledger does fire both, several times
    assert len(mails["Attack spike"]) == len(spikes) and len(mails["Hits flood"]) == len(floods)
    for name, metric, fired in (("Attack spike", "attacks", spikes), ("Hits flood", "hits", floods)):
        for text in mails[name]:
            start = datetime.strptime(text.split("\nWindow: ", 1)[1][:16], "%Y-%m-%d %H:%M").replace(tzinfo=TOKYO)
            count, events = fired[start if metric == "hits" else start.astimezone(UTC)]
            check(text, metric, count, events)
