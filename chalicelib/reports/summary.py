"""A report's first-page summary in sentences (what changed, the worst items, what needs action), from its
figures alone."""

from chalicelib.models.reports import Figure
from chalicelib.models.security import RESOLVED, RISKS, Risk
from chalicelib.reports.attacks import OTHER
from chalicelib.reports.content import ReportData, Sentence, Summary

_PLURALS = {"attack": "attacks", "hit": "hits", "incident": "incidents", "vulnerability": "vulnerabilities",
            "day": "days"}


def _count(number: int, noun: str) -> str:
    """``1 attack``, ``1,204 attacks``."""
    return f"{number:,} {noun if number == 1 else _PLURALS[noun]}"


def _share(part: int, whole: int) -> str:
    """``62%``, never ``0%`` or ``100%`` for a part that is neither none nor all (nor above 100%)."""
    percent = 100 * part / max(whole, part, 1)
    if 0 < percent < 1:
        return "<1%"
    return ">99%" if 99 < percent < 100 else f"{percent:.0f}%"


def _by_risk(counts: dict[Risk, int]) -> str:
    """``2 high-risk, 3 medium-risk`` (risks with none left out)."""
    return ", ".join(f"{counts[risk]:,} {risk}-risk" for risk in RISKS if counts.get(risk))


def _compared(report: ReportData, figure: Figure, what: str) -> Sentence:
    """``what`` (e.g. "15,580 attacks this month") set against the previous period, in neutral words when
    that period has no data or this one has not ended."""
    noun = report.period_noun
    if not report.has_previous:
        return Sentence(text=f"{what}; the previous {noun} has no data to compare with.")
    if report.partial:
        return Sentence(text=f"{what} (the whole previous {noun}: {figure.previous:,}).")
    if figure.previous == 0:
        return Sentence(text=f"{what}, none in the previous {noun}.", tone="worse" if figure.value else "neutral")
    if figure.change == 0:
        return Sentence(text=f"{what}, as many as in the previous {noun}.")
    more = figure.change > 0
    return Sentence(text=f"{what}, {figure.percent_words} {'more' if more else 'fewer'} than the previous {noun} "
                         f"({figure.previous:,}).", tone="worse" if more else "better")


def _changed(report: ReportData) -> list[Sentence]:
    this = f"this {report.period_noun}" + (" so far" if report.partial else "")
    attacks, blocked = report.attacks.value, report.blocked.value
    sentences = [_compared(report, report.attacks,
                           f"{_count(attacks, 'attack')} ({_count(report.hits.value, 'hit')}) {this}")]
    if attacks and blocked == 0:
        sentences.append(Sentence(text=f"None was blocked: all {attacks:,} were only monitored.", tone="worse"))
    elif attacks:
        monitored = attacks - blocked
        rest = f"; {monitored:,} ({_share(monitored, attacks)}) were only monitored" if monitored else ", all of them"
        sentences.append(Sentence(text=f"The platform blocked {blocked:,} ({_share(blocked, attacks)}){rest}."))
    sentences.append(_compared(report, report.incidents, f"{_count(report.incidents.value, 'incident')} {this}"))
    return [*sentences, _backlog(report), *_movement(report, this)]


def _backlog(report: ReportData) -> Sentence:
    """The vulnerabilities open at the period's end by risk, against the previous period's end."""
    backlog = {risk: figure.value for risk, figure in report.open_vulnerabilities.items()}
    total, before = sum(backlog.values()), sum(f.previous for f in report.open_vulnerabilities.values())
    end = "now" if report.partial else f"at the {report.period_noun}'s end"
    if total == 0:
        return Sentence(text=f"No vulnerability is open {end}.", tone="better" if before else "neutral")
    what = f"{_count(total, 'vulnerability')} open {end} ({_by_risk(backlog)})"
    if report.partial or not report.has_previous or total == before:
        return Sentence(text=f"{what}.")
    if total > before:
        return Sentence(text=f"{what}, up from {before:,}.", tone="worse")
    return Sentence(text=f"{what}, down from {before:,}.", tone="better")


def _movement(report: ReportData, this: str) -> list[Sentence]:
    """Found, fixed, reopened and false positives in the period, and the mean time to fix."""
    figures = report.vulnerability_figures
    found, fixed, reopened = (sum(counts.values()) for counts in (figures.new, figures.fixed, figures.reopened))
    if not (found or fixed or reopened or figures.false_positives):
        return []  # nothing moved: the backlog sentence says what is open
    parts = [f"{_count(found, 'vulnerability')} found" + (f" ({_by_risk(figures.new)})" if found else ""),
             f"{fixed:,} fixed"]
    parts += [f"{reopened:,} reopened"] if reopened else []
    parts += [f"{figures.false_positives:,} marked false positive"] if figures.false_positives else []
    mean = figures.mean_days_to_fix
    fix = f" Mean time to fix: {mean:,.1f} days." if mean is not None else ""
    return [Sentence(text=f"{this[0].upper()}{this[1:]}: {', '.join(parts)}.{fix}")]


def _worst(report: ReportData) -> list[Sentence]:
    sentences = []
    attacks = report.attacks.value
    if report.top_attack_types:
        top = report.top_attack_types[0]
        sentences.append(Sentence(text=f"Most frequent attack type: {top.name}, {_count(top.attacks, 'attack')} "
                                       f"({_share(top.attacks, attacks)} of all)."))
    categories = [ranked for ranked in report.owasp if ranked.name != OTHER]
    if categories:  # the Top 10 (2021): every injection has its category there, unlike in the API list
        worst = max(categories, key=lambda ranked: ranked.attacks)
        sentences.append(Sentence(text=f"Most attacks fall under OWASP {worst.name} "
                                       f"({_share(worst.attacks, attacks)})."))
    if top_place := (report.top_endpoints or report.top_hosts):
        where = "endpoint" if report.top_endpoints else "host"
        sentences.append(Sentence(text=f"Most attacked {where}: {top_place[0].name} "
                                       f"({_count(top_place[0].attacks, 'attack')})."))
    if report.top_ips:
        ip = report.top_ips[0]
        country = report.top_countries[0] if report.top_countries else None
        also = f"; top country: {country.name} ({_count(country.attacks, 'attack')})" if country else ""
        sentences.append(Sentence(text=f"Top source IP: {ip.name} ({_count(ip.attacks, 'attack')}){also}."))
    oldest = report.vulnerability_figures.oldest_open_days
    if risk := next((r for r in RISKS if r in oldest), None):
        sentences.append(Sentence(text=f"The oldest open {risk}-risk vulnerability is {_count(oldest[risk], 'day')} "
                                       "old.", tone="worse" if risk == "high" else "neutral"))
    return sentences


def _overdue(report: ReportData) -> list[Sentence]:
    sentences = []
    figures = report.vulnerability_figures
    overdue = sum(figures.overdue.values())
    if overdue:
        parts = ", ".join(f"{figures.overdue[risk]:,} {risk}-risk (fix within {figures.sla_days[risk]:,} days)"
                          if risk in figures.sla_days else f"{figures.overdue[risk]:,} {risk}-risk"
                          for risk in RISKS if figures.overdue.get(risk))
        verb = "is" if overdue == 1 else "are"
        sentences.append(Sentence(text=f"{_count(overdue, 'vulnerability')} {verb} open past the fix deadline: "
                                       f"{parts}.", tone="alert"))
    elif figures.sla_days and any(figure.value for figure in report.open_vulnerabilities.values()):
        deadlines = ", ".join(f"{risk} {figures.sla_days[risk]:,}" for risk in RISKS if risk in figures.sla_days)
        sentences.append(Sentence(text=f"No open vulnerability is past its fix deadline ({deadlines} days).",
                                  tone="better"))
    noun = report.period_noun
    unresolved = [row for row in report.incident_rows if row.status.strip().lower() not in RESOLVED]
    if unresolved:
        high = sum(row.risk == "high" for row in unresolved)
        verb = "is" if len(unresolved) == 1 else "are"
        sentences.append(Sentence(text=f"{_count(len(unresolved), 'incident')} of this {noun} {verb} "
                                       "not resolved yet" + (f" ({high:,} of high risk)." if high else "."),
                                  tone="alert" if high else "worse"))
    elif report.incident_rows:
        sentences.append(Sentence(text=f"Every incident of this {noun} is resolved.", tone="better"))
    if earlier := report.open_before:  # whatever day they began, they still need action
        high = [row for row in earlier if row.risk == "high"]
        oldest = (high or earlier)[0]
        verb = "is" if len(earlier) == 1 else "are"
        sentences.append(Sentence(
            text=f"{_count(len(earlier), 'incident')} from before this {noun} {verb} still not resolved"
                 + (f" ({len(high):,} of high risk)" if high else "")
                 + f"; the oldest{' high-risk' if high else ''}: {oldest.title} ({oldest.host or 'no host'}), "
                   f"since {oldest.time.day} {oldest.time:%b}.",
            tone="alert" if high else "worse"))
    return sentences


def summarise(report: ReportData) -> Summary:
    """The report's first-page summary in sentences, from its figures alone."""
    return Summary(changed=_changed(report), worst=_worst(report), overdue=_overdue(report))


