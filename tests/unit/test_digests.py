"""Digest periods (a local hour or day as UTC instants, across DST) and the digest mail's grouping, pure."""

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.digests.periods import DigestPeriod, period_containing
from chalicelib.email import digests
from chalicelib.models.digests import DigestEntry

BERLIN = "Europe/Berlin"


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(("moment", "start", "end", "label"), [
    (at(2026, 11, 25, 10, 30), at(2026, 11, 25, 10), at(2026, 11, 25, 11), "Wed 25 Nov 2026, 11:00–12:00 CET"),
    # the repeated hour of 25 October: two periods, told in their own offsets
    (at(2026, 10, 25, 0, 30), at(2026, 10, 25, 0), at(2026, 10, 25, 1), "Sun 25 Oct 2026, 02:00–03:00 CEST"),
    (at(2026, 10, 25, 1, 30), at(2026, 10, 25, 1), at(2026, 10, 25, 2), "Sun 25 Oct 2026, 02:00–03:00 CET"),
    # the skipped hour of 29 March: 01:00 CET is followed by 03:00 CEST
    (at(2026, 3, 29, 1, 30), at(2026, 3, 29, 1), at(2026, 3, 29, 2), "Sun 29 Mar 2026, 03:00–04:00 CEST"),
])
def test_an_hour_is_the_local_hour_keyed_by_its_utc_start(moment, start, end, label):
    period = period_containing("hourly", BERLIN, moment)
    assert (period.start, period.end, period.label()) == (start, end, label)


@pytest.mark.parametrize(("moment", "start", "hours"), [
    (at(2026, 10, 25, 12), at(2026, 10, 24, 22), 25),
    (at(2026, 10, 24, 22, 0), at(2026, 10, 24, 22), 25),  # the first instant belongs to the day it starts
    (at(2026, 3, 29, 12), at(2026, 3, 28, 23), 23),
    (at(2026, 11, 25, 12), at(2026, 11, 24, 23), 24),
])
def test_a_day_runs_from_local_midnight_to_local_midnight(moment, start, hours):
    period = period_containing("daily", BERLIN, moment)
    assert period.start == start and period.end - period.start == timedelta(hours=hours)


def test_a_half_hour_zone_has_hours_on_its_own_half_hours():
    period = period_containing("hourly", "Asia/Kolkata", at(2026, 11, 25, 10))
    assert (period.start, period.end) == (at(2026, 11, 25, 9, 30), at(2026, 11, 25, 10, 30))
    assert period.label() == "Wed 25 Nov 2026, 15:00–16:00 IST"


@pytest.mark.parametrize("timezone", [BERLIN, "Australia/Lord_Howe", "America/Santiago", "Pacific/Chatham"])
@pytest.mark.parametrize("frequency", ["hourly", "daily"])
def test_periods_tile_time_around_each_change_of_offset(timezone, frequency):
    # Every 10 minutes across the changes of 2026 (Lord Howe moves by 30 minutes, Chatham at 02:45, Santiago at
    # midnight): each moment lies in its period, consecutive periods meet, and none is named twice.
    seen: list[DigestPeriod] = []
    for first in (at(2026, 3, 27), at(2026, 4, 3), at(2026, 9, 4), at(2026, 9, 25), at(2026, 10, 23)):
        for step in range(3 * 24 * 6):
            moment = first + timedelta(minutes=10 * step)
            period = period_containing(frequency, timezone, moment)
            assert period.start <= moment < period.end
            if seen and seen[-1] != period and seen[-1].end > first:
                assert seen[-1].end == period.start
            if not seen or seen[-1] != period:
                seen.append(period)
    lengths = {period.end - period.start for period in seen}
    # An hour is never longer than one: a jump of the clock ends it (Chatham's spring jump from 02:45 to 03:45 leaves
    # 45 minutes of 02:00 and the 15 of 03:45-04:00 as the hour of 03:00).
    limits = (timedelta(minutes=15), timedelta(minutes=60)) if frequency == "hourly" else (
        timedelta(hours=23), timedelta(hours=25))
    assert all(limits[0] <= length <= limits[1] for length in lengths)
    assert len({period.label() for period in seen}) == len(seen)


def entry(source_id: str, group: str, minute: int, headline: str | None = None) -> DigestEntry:
    return DigestEntry(source_id=source_id, group=group, headline=headline or f"Item {source_id}",
                       at=at(2026, 11, 25, 10, minute))


def test_groups_follow_severity_then_kind_newest_first_each_source_once():
    entries = [entry("s", "system", 1), entry("l", "vuln_low", 2), entry("a", "alert", 3),
               entry("h1", "vuln_high", 4), entry("h2", "vuln_high", 9), entry("h1", "vuln_high", 4)]
    grouped = digests.groups(entries, "UTC")
    assert [(g.name, g.count) for g in grouped] == [("High-risk vulnerabilities", 2), ("Low-risk vulnerabilities", 1),
                                                     ("Trigger alerts", 1), ("System", 1)]
    assert grouped[0].shown == [("10:09", "Item h2"), ("10:04", "Item h1")]


def test_a_group_shows_its_top_items_and_counts_the_rest():
    [group] = digests.groups([entry(f"e{n}", "scope", n) for n in range(digests.TOP + 7)], BERLIN)
    assert group.count == digests.TOP + 7 and len(group.shown) == digests.TOP and group.more == 7
    assert group.shown[0] == ("11:16", "Item e16")  # the newest, in Berlin's time


def test_the_subject_counts_all_and_names_the_high_risk_and_the_period():
    grouped = digests.groups([entry("h", "vuln_high", 1), entry("s", "system", 2)], "UTC")
    assert digests.subject("hourly", "Wed 25 Nov 2026, 10:00–11:00 UTC", grouped) == (
        "Hourly digest: 2 notifications, 1 high-risk — Wed 25 Nov 2026, 10:00–11:00 UTC")
    assert digests.subject("daily", "Wed 25 Nov 2026", grouped[1:]) == "Daily digest: 1 notification — Wed 25 Nov 2026"


def test_the_mail_escapes_what_events_say_in_html_and_keeps_it_in_text():
    content = digests.render("Acme & Co", "UTC", "hourly", "Wed 25 Nov 2026, 10:00–11:00 UTC",
                             [entry("x", "vuln_high", 1, "<script>alert(1)</script> in /login")])
    assert "<script>" not in content.html and "&lt;script&gt;alert(1)&lt;/script&gt; in /login" in content.html
    assert "- 10:01  <script>alert(1)</script> in /login" in content.text
    assert "Acme &amp; Co" in content.html and "High-risk vulnerabilities (1)" in content.text
