"""A report's attack breakdowns from the hourly aggregates: top lists, OWASP categories, and tables that add up
(the rest and the attacks that named none as rows of their own)."""

from collections import Counter
from collections.abc import Callable

from pydantic import Field

from chalicelib.models.common import Model
from chalicelib.models.security import INTERNAL, Counts, HourlyAggregate, is_internal
from chalicelib.vocabulary import API_TOP_10, TOP_10, country_name, describe

OTHER = "Other"


class Ranked(Model):
    name: str
    attacks: int
    hits: int
    category: str = Field("", description="an attack type's OWASP Top 10 (2021) category, e.g. A03:2021 Injection")


def totals(aggregates: list[HourlyAggregate], dimension: str,
            name: Callable[[str], str] = str) -> tuple[Counter[str], Counter[str]]:
    """Attacks and hits per key of ``dimension`` over the hours, keys renamed by ``name`` (and merged)."""
    by_key: dict[str, Counts] = {}
    for aggregate in aggregates:
        counts: dict[str, Counts] = getattr(aggregate, dimension)
        for key, count in counts.items():
            total = by_key.setdefault(key, Counts())
            total.attacks += count.attacks
            total.hits += count.hits
    attacks: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    for key, total in by_key.items():
        attacks[name(key)] += total.attacks
        hits[name(key)] += total.hits
    return attacks, hits


def top_of(aggregates: list[HourlyAggregate], dimension: str, limit: int,
         name: Callable[[str], str] = str) -> list[Ranked]:
    attacks, hits = totals(aggregates, dimension, name)
    ranked = sorted(attacks, key=lambda key: (-attacks[key], -hits[key], key))
    return [Ranked(name=key, attacks=attacks[key], hits=hits[key]) for key in ranked[:limit]]


def type_name(code: str) -> str:
    return describe(code).name


def ip_label(aggregates: list[HourlyAggregate]) -> Callable[[str], str]:
    """``203.0.113.7 (DE)``: a source IP with its country, when the events said; ``10.0.0.5 (internal)`` for a
    private, loopback or link-local address."""
    countries = {ip: country for aggregate in aggregates for ip, country in aggregate.ip_countries.items()}
    return lambda ip: f"{ip} ({INTERNAL})" if is_internal(ip) else f"{ip} ({countries[ip]})" if ip in countries else ip


OTHER_COUNTRIES, NO_COUNTRY = "Other countries", "No country in the events"
OTHER_APPLICATIONS, NO_APPLICATION = "Other applications", "No application in the events"


def adding_up(ranked: list[Ranked], aggregates: list[HourlyAggregate], dimension: str, rest: str,
               missing: str) -> list[Ranked]:
    """``ranked`` (a top list of ``dimension``), then the rest of that dimension and the attacks that named none,
    so the table adds up to every attack; empty when no attack named one."""
    if not ranked:
        return []
    attacks, hits = totals(aggregates, dimension)
    listed = (sum(row.attacks for row in ranked), sum(row.hits for row in ranked))
    named = (sum(attacks.values()), sum(hits.values()))
    total = (sum(a.attacks for a in aggregates), sum(a.hits for a in aggregates))
    extra = [(rest, named[0] - listed[0], named[1] - listed[1]),
             (missing, total[0] - named[0], total[1] - named[1])]
    return [*ranked, *(Ranked(name=name, attacks=a, hits=h) for name, a, h in extra if a > 0)]


def owasp(aggregates: list[HourlyAggregate], categories: tuple[str, ...], field: str) -> list[Ranked]:
    """Attacks per category (``field`` of the type's description) in the list's order; none fits → Other."""
    attacks, hits = totals(aggregates, "types", lambda code: getattr(describe(code), field) or OTHER)
    order = {category: n for n, category in enumerate((*categories, OTHER))}
    return [Ranked(name=category, attacks=attacks[category], hits=hits[category])
            for category in sorted(attacks, key=order.__getitem__) if attacks[category]]


def attack_types(aggregates: list[HourlyAggregate], top: int) -> list[Ranked]:
    """The top attack types in words, each with its OWASP Top 10 (2021) category."""
    categories = {describe(code).name: describe(code).owasp or "" for a in aggregates for code in a.types}
    return [ranked.model_copy(update={"category": categories.get(ranked.name, "")})
            for ranked in top_of(aggregates, "types", top, type_name)]


def breakdowns(aggregates: list[HourlyAggregate], top: int) -> dict[str, list[Ranked]]:
    """Every breakdown a report shows, by its field of :class:`~chalicelib.reports.content.ReportData`."""
    return {
        "top_attack_types": attack_types(aggregates, top),
        "top_hosts": top_of(aggregates, "hosts", top),
        "top_endpoints": top_of(aggregates, "endpoints", top),
        "top_ips": top_of(aggregates, "ips", top, ip_label(aggregates)),
        "top_countries": adding_up(top_of(aggregates, "countries", top, country_name), aggregates, "countries",
                                   OTHER_COUNTRIES, NO_COUNTRY),
        "top_applications": adding_up(top_of(aggregates, "applications", top), aggregates, "applications",
                                      OTHER_APPLICATIONS, NO_APPLICATION),
        "owasp": owasp(aggregates, TOP_10, "owasp"),
        "owasp_api": owasp(aggregates, API_TOP_10, "owasp_api"),
    }
