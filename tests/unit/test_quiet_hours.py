"""Quiet hours, pure: which night of the tenant's zone holds a moment (across DST), the one hold decision, the
field's validation and the quiet digest's name."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from chalicelib.digests.periods import DigestPeriod
from chalicelib.digests.quiet import held, night
from chalicelib.email import digests
from chalicelib.models.integrations import IntegrationCreate, IntegrationUpdate, QuietHours

BERLIN = "Europe/Berlin"
NIGHT = QuietHours(start="22:00", end="07:00")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(("moment", "expected"), [
    # 25 Nov 2026 (CET, UTC+1): 22:00 local is 21:00 UTC, 07:00 the next morning 06:00 UTC
    (at(2026, 11, 25, 20, 59), None),
    (at(2026, 11, 25, 21, 0), (at(2026, 11, 25, 21), at(2026, 11, 26, 6))),  # its first instant is in it
    (at(2026, 11, 25, 23, 30), (at(2026, 11, 25, 21), at(2026, 11, 26, 6))),  # past local midnight
    (at(2026, 11, 26, 5, 59), (at(2026, 11, 25, 21), at(2026, 11, 26, 6))),
    (at(2026, 11, 26, 6, 0), None),  # its end is not
    (at(2026, 11, 26, 12, 0), None),
    # the spring night (29 Mar 2026, 02:00 CET → 03:00 CEST): 22:00 CET to 07:00 CEST, 8 hours
    (at(2026, 3, 29, 1, 30), (at(2026, 3, 28, 21), at(2026, 3, 29, 5))),
    (at(2026, 3, 29, 4, 59), (at(2026, 3, 28, 21), at(2026, 3, 29, 5))),
    (at(2026, 3, 29, 5, 0), None),  # 07:00 CEST, though 06:00 by the evening's offset
    # the autumn night (25 Oct 2026, 03:00 CEST → 02:00 CET): 22:00 CEST to 07:00 CET, 10 hours
    (at(2026, 10, 25, 1, 30), (at(2026, 10, 24, 20), at(2026, 10, 25, 6))),  # the second 02:30
    (at(2026, 10, 25, 5, 30), (at(2026, 10, 24, 20), at(2026, 10, 25, 6))),  # 06:30 CET (07:30 by the evening's)
    (at(2026, 10, 25, 6, 0), None),
])
def test_a_night_crossing_midnight_runs_from_its_start_to_its_end_on_the_local_clock(moment, expected):
    assert night(NIGHT, BERLIN, moment) == expected


@pytest.mark.parametrize(("quiet", "moment", "expected"), [
    # a start the spring night skips (02:30) is the jump; the night runs to 03:30 CEST
    (("02:30", "03:30"), at(2026, 3, 29, 0, 59), None),
    (("02:30", "03:30"), at(2026, 3, 29, 1, 0), (at(2026, 3, 29, 1), at(2026, 3, 29, 1, 30))),
    # an end it skips ends the night at the jump
    (("22:00", "02:30"), at(2026, 3, 29, 0, 59), (at(2026, 3, 28, 21), at(2026, 3, 29, 1))),
    (("22:00", "02:30"), at(2026, 3, 29, 1, 10), None),
    # a repeated end is its first occurrence: the second 02:15 (CET) is not quiet again
    (("22:00", "02:30"), at(2026, 10, 25, 0, 15), (at(2026, 10, 24, 20), at(2026, 10, 25, 0, 30))),
    (("22:00", "02:30"), at(2026, 10, 25, 1, 15), None),
    # a repeated start is its first occurrence too: the second 02:15 lies after it
    (("02:30", "06:00"), at(2026, 10, 25, 0, 15), None),
    (("02:30", "06:00"), at(2026, 10, 25, 1, 15), (at(2026, 10, 25, 0, 30), at(2026, 10, 25, 5))),
    # a range within a day
    (("09:00", "17:00"), at(2026, 11, 25, 8, 0), (at(2026, 11, 25, 8), at(2026, 11, 25, 16))),
    (("09:00", "17:00"), at(2026, 11, 25, 16, 0), None),
])
def test_dst_changes_inside_the_range_or_at_its_ends(quiet, moment, expected):
    assert night(QuietHours(start=quiet[0], end=quiet[1]), BERLIN, moment) == expected


@pytest.mark.parametrize("timezone", [BERLIN, "America/New_York", "Australia/Lord_Howe", "America/Havana",
                                      "Asia/Kolkata"])
@pytest.mark.parametrize("quiet", [("22:00", "07:00"), ("00:00", "06:30"), ("12:15", "13:45")])
def test_each_moment_is_in_at_most_one_night_and_a_quiet_reading_is_held(timezone, quiet):
    # Every 10 minutes across the changes of 2026: the night found holds the moment and lasts the range's length
    # give or take a DST change (at most an hour), and a moment whose clock reads inside the range (away from a
    # change) is held.
    hours = QuietHours(start=quiet[0], end=quiet[1])
    start, end = (int(t[:2]) * 60 + int(t[3:]) for t in quiet)
    length = timedelta(minutes=(end - start) % (24 * 60))
    for first in (at(2026, 3, 6), at(2026, 3, 27), at(2026, 4, 3), at(2026, 10, 2), at(2026, 10, 23), at(2026, 10, 30)):
        for step in range(3 * 24 * 6):
            moment = first + timedelta(minutes=10 * step)
            found = night(hours, timezone, moment)
            if found is not None:
                assert found[0] <= moment < found[1]
                assert abs(found[1] - found[0] - length) <= timedelta(hours=1)
            local = moment.astimezone(ZoneInfo(timezone))
            reading = local.hour * 60 + local.minute
            inside = (reading - start) % (24 * 60) < length.total_seconds() // 60
            steady = local.utcoffset() == (moment - timedelta(hours=12)).astimezone(local.tzinfo).utcoffset() == \
                (moment + timedelta(hours=12)).astimezone(local.tzinfo).utcoffset()
            if steady:
                assert (found is not None) == inside, (moment, local)


@pytest.mark.parametrize(("quiet", "severity", "event_type", "is_held"), [
    (NIGHT, "medium", "vulnerability.detected", True),
    (NIGHT, "low", "scope.changed", True),
    (NIGHT, "info", "vulnerability.status_changed", True),  # a fix is news, not urgent
    (NIGHT, "medium", "alert.api_changed", True),
    (NIGHT, "high", "vulnerability.detected", False),  # high risk always goes at once
    (NIGHT, "high", "alert.threshold", False),
    (NIGHT, "info", "integration.disabled", False),  # a notice about an integration is never held
    (None, "low", "scope.changed", False),
])
def test_the_hold_decision(quiet, severity, event_type, is_held):
    found = held(quiet, BERLIN, at(2026, 11, 25, 22), severity, event_type)
    assert (found is not None) == is_held
    assert held(quiet, BERLIN, at(2026, 11, 25, 12), severity, event_type) is None  # outside the range: never


@pytest.mark.parametrize("value", [
    {"start": "22:00", "end": "22:00"}, {"start": "7:00", "end": "22:00"}, {"start": "24:00", "end": "07:00"},
    {"start": "22:60", "end": "07:00"}, {"start": "22:00"}, {"start": "22:00", "end": "07:00", "days": "all"},
    {"start": "22:00:00", "end": "07:00"}, "22:00-07:00",
])
def test_a_range_is_two_different_hh_mm_readings(value):
    with pytest.raises(ValidationError) as refused:
        IntegrationCreate.model_validate({"name": "N", "emails": "a@acme.io", "quiet_hours": value})
    assert all(error["loc"][0] == "quiet_hours" for error in refused.value.errors())


def test_null_turns_quiet_hours_off_in_a_patch_and_other_fields_still_refuse_it():
    assert IntegrationUpdate.model_validate({"quiet_hours": None}).model_fields_set == {"quiet_hours"}
    with pytest.raises(ValidationError):
        IntegrationUpdate.model_validate({"notifications": None})
    schema = IntegrationUpdate.model_json_schema()["properties"]
    assert {"type": "null"} in schema["quiet_hours"]["anyOf"] and "anyOf" not in schema["notifications"]


def test_the_quiet_digest_names_the_night_in_each_ends_offset():
    period = DigestPeriod("quiet", BERLIN, at(2026, 3, 28, 21), at(2026, 3, 29, 5))
    assert period.label() == "Sat 28 Mar 2026, 22:00 CET – Sun 29 Mar 2026, 07:00 CEST"
    assert digests.subject("quiet", period.label(), []).startswith("Quiet hours digest: 0 notifications — Sat 28")
