"""Trigger rules as plain functions: crossing, window alignment, filter matching, the Terraform mapping."""

from datetime import UTC, datetime

import pytest

from chalicelib.models.events import Event
from chalicelib.models.triggers import TriggerCreate, TriggerFilters
from chalicelib.triggers.windows import counted_window, crossed, matches, window


@pytest.mark.parametrize(("old", "new", "fires"), [
    (0, 1, False), (9, 10, False), (10, 11, True), (9, 11, True), (5, 50, True), (11, 12, False), (0, 10, False),
])
def test_only_the_update_that_goes_above_n_crosses(old: int, new: int, fires: bool) -> None:
    assert crossed(10, old, new) is fires


def test_minute_and_hour_windows_are_half_open() -> None:
    at = datetime(2026, 11, 25, 10, 59, 59, tzinfo=UTC)
    assert window("minute", at, "UTC") == (datetime(2026, 11, 25, 10, 59, tzinfo=UTC),
                                           datetime(2026, 11, 25, 11, 0, tzinfo=UTC))
    assert window("hour", datetime(2026, 11, 25, 11, tzinfo=UTC), "Europe/Berlin")[0] == datetime(
        2026, 11, 25, 11, tzinfo=UTC)


def test_the_spring_forward_day_is_23_hours() -> None:
    start, end = window("day", datetime(2026, 3, 29, 12, tzinfo=UTC), "Europe/Berlin")
    assert (end - start).total_seconds() == 23 * 3600


def attack(**data: object) -> Event:
    return Event(id="e", type="attack.detected", time=datetime(2026, 11, 25, tzinfo=UTC),
                 data={"type": "sqli", "host": "api.acme.io", **data})


def test_a_missing_field_fails_any_of_and_passes_none_of() -> None:
    assert not matches(TriggerFilters.model_validate({"ip": ["10.0.0.1"]}), attack())
    assert matches(TriggerFilters.model_validate({"ip": {"values": ["10.0.0.1"], "exclude": True}}), attack())
    assert matches(TriggerFilters.model_validate({"ip": ["10.0.0.0/8"]}), attack(ip="10.2.3.4"))
    assert matches(TriggerFilters.model_validate({"application": ["Shop"]}), attack(application="shop"))
    assert not matches(TriggerFilters.model_validate({"domain": ["api.acme.io"], "attack_type": ["xss"]}), attack())


def test_terraform_filters_become_native_ones() -> None:
    body = TriggerCreate.model_validate({
        "template_id": "attacks_exceeded", "threshold": {"period": 86400, "count": 3},
        "filters": [{"filter_id": "domain", "operator": "ne", "value": ["test.acme.io"]},
                    {"filter_id": "attack_type", "value": ["sqli", "xss"]}],
        "actions": [{"action_id": "send_notification", "integration_id": ["i-1"]}]})
    assert body.condition is not None and body.condition.model_dump() == {
        "type": "threshold", "metric": "attacks", "interval": "day", "threshold": 3,
        "filters": {"domain": {"values": ["test.acme.io"], "exclude": True},
                    "attack_type": {"values": ["sqli", "xss"], "exclude": False}, "ip": None, "application": None}}
    assert body.integration_ids == ["i-1"] and body.name == "Attacks exceeded"


@pytest.mark.parametrize(("wanted", "ip", "hit"), [
    ("10.0.0.0/8", "10.200.0.1", True), ("10.0.0.1/8", "10.9.9.9", True), ("192.0.2.7", "192.0.2.7", True),
    ("::1", "0:0::1", True), ("2001:db8::/32", "2001:db8:1::5", True), ("192.0.2.7", "192.0.2.8", False),
])
def test_ip_filters_compare_addresses_by_value(wanted: str, ip: str, hit: bool) -> None:
    assert matches(TriggerFilters.model_validate({"ip": [wanted]}), attack(ip=ip)) is hit


def test_hour_windows_follow_a_half_hour_offset() -> None:
    assert window("hour", datetime(2026, 11, 25, 10, 45, tzinfo=UTC), "Asia/Kolkata") == (
        datetime(2026, 11, 25, 10, 30, tzinfo=UTC), datetime(2026, 11, 25, 11, 30, tzinfo=UTC))


@pytest.mark.parametrize(("event_at", "received_at", "counted"), [
    ("10:00:30", "10:00:40", "10:00"),  # on time
    ("10:00:50", "10:05:59", "10:00"),  # late, within the window's end plus the grace
    ("10:00:50", "10:06:00", None),  # later than that: counts nowhere
    ("10:00:50", "10:00:20", "10:00"),  # ahead of its receipt (clock skew): counts as received
    ("10:01:50", "10:00:20", "10:00"),
])
def test_an_event_counts_in_the_window_of_its_own_time_within_the_grace(event_at: str, received_at: str,
                                                                        counted: str | None) -> None:
    def at(hms: str) -> datetime:
        return datetime.fromisoformat(f"2026-11-25T{hms}+00:00")

    found = counted_window("minute", at(event_at), at(received_at), "UTC")
    assert (found[0].strftime("%H:%M") if found else None) == counted


def test_a_backfilled_day_never_reaches_today() -> None:
    received = datetime(2026, 11, 25, 0, 2, tzinfo=UTC)
    assert counted_window("day", datetime(2026, 11, 24, 23, 59, tzinfo=UTC), received, "UTC") is not None
    assert counted_window("day", datetime(2026, 10, 25, 12, tzinfo=UTC), received, "UTC") is None
