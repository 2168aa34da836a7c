"""Scenarios for the integrations API: create, read, list, update, enable/disable, delete."""

import base64
import json
from collections import Counter
from typing import Any

import pytest

from chalicelib.aws import integrations_repo
from chalicelib.settings import get_settings
from tests.support.api import Api, TenantHandle
from tests.support.checks import assert_error, detail_paths, integration_items, scan
from tests.support.clock import FrozenClock
from tests.support.concurrency import concurrently

VULNS = ["vuln_high", "vuln_medium", "vuln_low"]


def create(tenant: TenantHandle, **fields: Any) -> tuple[int, Any]:
    return tenant.call("POST", "/v1/integrations", {"name": "SOC", "emails": "a@acme.io", **fields})


def sort_keys(tenant: TenantHandle) -> list[str]:
    return [item["sk"] for item in integration_items(tenant.id)]


# --- create -----------------------------------------------------------------------------------


def test_create_from_a_comma_separated_string(acme: TenantHandle) -> None:
    # WHEN an admin creates an integration as the console sends it
    status, body = acme.call("POST", "/v1/integrations", {
        "name": "SOC", "emails": "a@acme.io, b@acme.io", "events": ["report_weekly", "system", "vuln_high", "scope"],
    })
    # THEN it is answered in the documented shape
    assert status == 201, body
    assert body == {
        "id": body["id"], "type": "email", "name": "SOC", "emails": ["a@acme.io", "b@acme.io"],
        "events": ["report_weekly", "system", "vuln_high", "scope"], "active": True, "disabled_reason": None,
        "created_at": "2026-11-25T10:00:00Z", "updated_at": "2026-11-25T10:00:00Z",
        "suppressed_addresses": [], "warning": None, "failure_window_start": None, "health": "ok",
        "health_detail": None, "unsubscribed": [],
        "notifications": "instant", "attach_data": False, "sla_reminders": False, "report_hour": 0,
        "next_reports": {"weekly": "2026-11-30T00:00:00Z"},
        "quiet_hours": None, "pdf_password_set": False,
    }
    # AND it is stored with a name claim, and reads back the same
    assert f"int#{body['id']}" in sort_keys(acme) and "name#soc" in sort_keys(acme)
    assert acme.call("GET", f"/v1/integrations/{body['id']}") == (200, body)


def test_create_from_a_list(acme: TenantHandle) -> None:
    status, body = create(acme, emails=["a@acme.io", "b@acme.io"])
    assert (status, body["emails"]) == (201, ["a@acme.io", "b@acme.io"])


def test_addresses_are_normalised_and_deduplicated_case_insensitively(acme: TenantHandle) -> None:
    status, body = create(acme, emails=" Alice@ACME.io , alice@acme.IO,bob@Acme.io,, BOB@acme.io ")
    assert status == 201, body
    assert body["emails"] == ["Alice@acme.io", "bob@acme.io"]
    [stored] = [item for item in integration_items(acme.id) if item["sk"] == f"int#{body['id']}"]
    assert stored["emails"] == ["Alice@acme.io", "bob@acme.io"]


@pytest.mark.parametrize("emails", ["", " , ", []])
def test_no_address_is_rejected(acme: TenantHandle, emails: Any) -> None:
    error = assert_error(create(acme, emails=emails), 422, "validation_failed")
    assert detail_paths(error) == ["emails"]


def test_fifty_addresses_are_the_maximum(acme: TenantHandle) -> None:
    fifty = [f"user{n}@acme.io" for n in range(50)]
    assert create(acme, name="fifty", emails=fifty)[0] == 201
    error = assert_error(create(acme, name="fifty-one", emails=", ".join([*fifty, "x@acme.io"])), 422)
    assert detail_paths(error) == ["emails"] and "at most 50" in error["details"][0]["message"]


def test_an_invalid_address_is_named(acme: TenantHandle) -> None:
    error = assert_error(create(acme, emails="a@acme.io, bob-at-acme.io"), 422, "validation_failed")
    assert detail_paths(error) == ["emails.1"]
    assert "bob-at-acme.io" in error["details"][0]["message"]


@pytest.mark.parametrize("fields", [
    {"emails": "a@acme.io\r\nBcc: victim@evil.io"},
    {"emails": ["a@acme.io\nb@acme.io"]},
    {"emails": ["a@acme.io\rb@acme.io"]},
    {"name": "SOC\r\nBcc: victim@evil.io"},
    {"name": "SO\nC"},
])
def test_line_breaks_in_an_address_or_name_are_rejected(acme: TenantHandle, fields: dict[str, Any]) -> None:
    error = assert_error(create(acme, **fields), 422, "validation_failed")
    assert [path.split(".")[0] for path in detail_paths(error)] == list(fields)
    assert len(sort_keys(acme)) == 2  # only the default integration and its name claim


def test_an_unknown_event_is_rejected_with_its_path(acme: TenantHandle) -> None:
    error = assert_error(create(acme, events=["vuln_critical", "system"]), 422, "validation_failed")
    assert detail_paths(error) == ["events.0"]
    error = assert_error(create(acme, events=["system", 7]), 422, "validation_failed")
    assert detail_paths(error) == ["events.1"]


def test_vuln_expands_to_the_three_risks(acme: TenantHandle) -> None:
    status, body = create(acme, events=["vuln", "system"])
    assert (status, body["events"]) == (201, ["system", *VULNS])


def test_events_default_to_all_vulnerabilities(acme: TenantHandle) -> None:
    status, body = create(acme)
    assert (status, body["events"]) == (201, VULNS)


def test_name_is_trimmed(acme: TenantHandle) -> None:
    status, body = create(acme, name="  Night shift  ")
    assert (status, body["name"]) == (201, "Night shift")
    assert "name#night shift" in sort_keys(acme)


@pytest.mark.parametrize("name", ["", "   ", "x" * 129])
def test_name_must_have_1_to_128_characters(acme: TenantHandle, name: str) -> None:
    error = assert_error(create(acme, name=name), 422, "validation_failed")
    assert detail_paths(error) == ["name"]


def test_a_name_of_128_characters_is_accepted(acme: TenantHandle) -> None:
    assert create(acme, name="n" * 128)[0] == 201


def test_missing_and_unknown_fields_are_rejected(acme: TenantHandle) -> None:
    error = assert_error(acme.call("POST", "/v1/integrations", {"active": False, "type": "slack"}), 422)
    assert sorted(detail_paths(error)) == ["active", "emails", "name", "type"]


def test_a_duplicate_name_is_a_conflict_and_nothing_is_written(acme: TenantHandle) -> None:
    # GIVEN an integration named SOC
    assert create(acme, name="SOC")[0] == 201
    before = integration_items(acme.id)
    # WHEN another is created as " soc " THEN 409, naming the field
    error = assert_error(create(acme, name=" soc ", emails="other@acme.io"), 409, "conflict")
    assert detail_paths(error) == ["name"]
    # AND the table is unchanged
    assert integration_items(acme.id) == before


def test_names_are_compared_in_their_normalised_form(acme: TenantHandle) -> None:
    # GIVEN "Café SOC" typed with a precomposed é (NFC)
    assert create(acme, name="Caf\u00e9 SOC")[0] == 201
    # WHEN the same name comes with e + combining acute (NFD) THEN it is the same name: 409
    assert_error(create(acme, name="Cafe\u0301 SOC", emails="b@acme.io"), 409, "conflict")
    # AND a look-alike with a zero-width space or a bidi override is refused outright, saying why
    for trick in ("Caf\u00e9 SOC\u200b", "\u202eCOS \u00e9faC"):
        error = assert_error(create(acme, name=trick, emails="c@acme.io"), 422, "validation_failed")
        assert detail_paths(error) == ["name"]
        assert "invisible or text-direction characters" in error["details"][0]["message"]
    assert [item["name"] for item in acme.call("GET", "/v1/integrations")[1]["items"]].count("Caf\u00e9 SOC") == 1


def test_every_rejected_address_gets_its_own_detail(acme: TenantHandle) -> None:
    error = assert_error(create(acme, emails="ok@acme.io, nope, fine@acme.io, x@@acme.io, @acme.io"), 422)
    assert detail_paths(error) == ["emails.1", "emails.3", "emails.4"]
    assert ["'nope'" in error["details"][0]["message"], "'x@@acme.io'" in error["details"][1]["message"],
            "'@acme.io'" in error["details"][2]["message"]] == [True, True, True]


def test_the_same_name_in_another_tenant_is_fine(acme: TenantHandle, globex: TenantHandle) -> None:
    assert create(acme, name="SOC")[0] == 201
    assert create(globex, name="SOC")[0] == 201


def test_a_viewer_cannot_create(acme: TenantHandle) -> None:
    viewer = acme.token_for("viewer")
    status, body = acme.call("POST", "/v1/integrations", {"name": "x", "emails": "a@acme.io"}, token=viewer)
    assert_error((status, body), 403, "forbidden")
    assert len(integration_items(acme.id)) == 2


def cap_integrations(monkeypatch: pytest.MonkeyPatch, limit: int) -> None:
    assert get_settings().max_integrations_per_tenant == 100
    monkeypatch.setattr(integrations_repo, "get_settings", lambda: get_settings().model_copy(
        update={"max_integrations_per_tenant": limit}))


def test_at_most_the_cap_of_integrations_per_tenant(acme: TenantHandle, globex: TenantHandle,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a cap of three integrations, and Acme with its default and two more
    cap_integrations(monkeypatch, 3)
    made = [create(acme, name=f"SOC {n}")[1] for n in range(2)]
    # WHEN Acme creates a fourth THEN 409 naming the cap, and nothing is written
    before = integration_items(acme.id)
    error = assert_error(create(acme, name="Fourth"), 409, "conflict")
    assert error["message"] == "a tenant can have at most 3 integrations; delete one first"
    assert integration_items(acme.id) == before
    # AND the cap is per tenant, and deleting one frees its place
    assert create(globex, name="Other")[0] == 201
    assert acme.call("DELETE", f"/v1/integrations/{made[0]['id']}")[0] == 204
    assert create(acme, name="Fourth")[0] == 201
    assert_error(create(acme, name="Fifth"), 409, "conflict")


def test_the_cap_holds_under_concurrent_creates(api: Api, acme: TenantHandle,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a cap of five, and Acme with its default integration
    cap_integrations(monkeypatch, 5)
    # WHEN eight differently named integrations are created at the same moment
    results = concurrently([lambda n=n: api.call("POST", "/v1/integrations", {"name": f"SOC {n}",
                                                                              "emails": "a@acme.io"},
                                                 token=acme.token)[:2] for n in range(8)])
    # THEN exactly four were made, the others refused, and the stored count says five
    assert Counter(status for status, _ in results) == {201: 4, 409: 4}
    assert len([row for row in integration_items(acme.id) if row["sk"].startswith("int#")]) == 5
    assert [row["n"] for row in scan("integrations_table") if row["tenant_id"] == acme.id
            and row["sk"] == "count"] == [5]


# --- read -------------------------------------------------------------------------------------


def test_a_viewer_reads_and_lists(acme: TenantHandle) -> None:
    created = acme.integration()
    viewer = acme.token_for("viewer")
    assert acme.call("GET", f"/v1/integrations/{created['id']}", token=viewer) == (200, created)
    status, page = acme.call("GET", "/v1/integrations", token=viewer)
    assert status == 200 and created in page["items"]


def test_reading_an_unknown_integration_is_not_found(acme: TenantHandle) -> None:
    assert_error(acme.call("GET", "/v1/integrations/00000000-0000-0000-0000-000000000000"), 404, "not_found")


def test_internal_fields_are_not_exposed(acme: TenantHandle) -> None:
    body = acme.integration()
    assert "tenant_id" not in body and "version" not in body


# --- update -----------------------------------------------------------------------------------


def test_patch_changes_only_the_given_fields_and_bumps_updated_at(acme: TenantHandle,
                                                                   frozen_clock: FrozenClock) -> None:
    # GIVEN an integration created at 10:00
    created = acme.integration(name="SOC", emails="a@acme.io", events=["system"])
    # WHEN its events are changed five minutes later
    frozen_clock.advance(minutes=5)
    status, body = acme.call("PATCH", f"/v1/integrations/{created['id']}", {"events": ["vuln", "report_daily"]})
    # THEN only the events and updated_at change
    assert status == 200, body
    assert body == {**created, "events": ["report_daily", *VULNS], "updated_at": "2026-11-25T10:05:00Z",
                    "next_reports": {"daily": "2026-11-26T00:00:00Z"}}
    assert acme.call("GET", f"/v1/integrations/{created['id']}") == (200, body)


def test_patch_normalises_addresses_like_create(acme: TenantHandle) -> None:
    created = acme.integration()
    status, body = acme.call("PATCH", f"/v1/integrations/{created['id']}", {"emails": ["X@ACME.io", "x@acme.io"]})
    assert (status, body["emails"]) == (200, ["X@acme.io"])


def test_an_empty_patch_changes_nothing(acme: TenantHandle, frozen_clock: FrozenClock) -> None:
    created = acme.integration()
    frozen_clock.advance(minutes=1)
    assert acme.call("PATCH", f"/v1/integrations/{created['id']}", {}) == (200, created)


@pytest.mark.parametrize(("patch", "path"), [
    ({"active": False}, "active"),
    ({"id": "other"}, "id"),
    ({"name": None}, "name"),
    ({"emails": None}, "emails"),
    ({"events": None}, "events"),
    ({"emails": "nope"}, "emails.0"),
    ({"events": ["nope"]}, "events.0"),
    ({"name": ""}, "name"),
])
def test_invalid_patch_is_rejected_and_nothing_changes(acme: TenantHandle, patch: dict[str, Any],
                                                       path: str) -> None:
    created = acme.integration()
    before = integration_items(acme.id)
    error = assert_error(acme.call("PATCH", f"/v1/integrations/{created['id']}", patch), 422, "validation_failed")
    assert detail_paths(error) == [path]
    assert integration_items(acme.id) == before


def test_renaming_onto_a_taken_name_is_a_conflict(acme: TenantHandle) -> None:
    first, second = acme.integration(name="First"), acme.integration(name="Second")
    before = integration_items(acme.id)
    error = assert_error(acme.call("PATCH", f"/v1/integrations/{second['id']}", {"name": "FIRST"}), 409, "conflict")
    assert detail_paths(error) == ["name"]
    assert integration_items(acme.id) == before
    assert acme.call("GET", f"/v1/integrations/{first['id']}") == (200, first)


def test_renaming_frees_the_old_name(acme: TenantHandle) -> None:
    created = acme.integration(name="Old")
    status, body = acme.call("PATCH", f"/v1/integrations/{created['id']}", {"name": "New"})
    assert (status, body["name"]) == (200, "New")
    keys = sort_keys(acme)
    assert "name#new" in keys and "name#old" not in keys
    assert create(acme, name="old")[0] == 201
    assert_error(create(acme, name="new"), 409, "conflict")


def test_changing_only_the_case_of_the_name_is_allowed(acme: TenantHandle) -> None:
    created = acme.integration(name="soc")
    status, body = acme.call("PATCH", f"/v1/integrations/{created['id']}", {"name": "SOC"})
    assert (status, body["name"]) == (200, "SOC")
    assert sort_keys(acme).count("name#soc") == 1


def test_patching_an_unknown_integration_is_not_found(acme: TenantHandle) -> None:
    assert_error(acme.call("PATCH", "/v1/integrations/nope", {"name": "x"}), 404, "not_found")


# --- enable / disable -------------------------------------------------------------------------


def test_disable_keeps_the_settings_and_enable_resumes(acme: TenantHandle, frozen_clock: FrozenClock) -> None:
    created = acme.integration()
    path = f"/v1/integrations/{created['id']}"
    # WHEN disabled
    frozen_clock.advance(minutes=1)
    status, disabled = acme.call("POST", f"{path}/disable")
    # THEN it is inactive for a manual reason, with the same configuration
    assert status == 200, disabled
    assert disabled == {**created, "active": False, "disabled_reason": "manual", "health": "disabled",
                        "updated_at": "2026-11-25T10:01:00Z"}
    assert acme.call("GET", path) == (200, disabled)
    # WHEN enabled again THEN the reason is cleared, and a fresh failure window starts
    frozen_clock.advance(minutes=1)
    status, enabled = acme.call("POST", f"{path}/enable")
    assert status == 200
    assert enabled == {**created, "updated_at": "2026-11-25T10:02:00Z", "failure_window_start": "2026-11-25T10:02:00Z"}
    [stored] = [item for item in integration_items(acme.id) if item["sk"] == f"int#{created['id']}"]
    assert stored["active"] is True and stored["disabled_reason"] is None


def test_disabling_twice_and_enabling_an_active_integration_change_nothing(acme: TenantHandle,
                                                                           frozen_clock: FrozenClock) -> None:
    created = acme.integration()
    path = f"/v1/integrations/{created['id']}"
    assert acme.call("POST", f"{path}/enable") == (200, created)
    _, disabled = acme.call("POST", f"{path}/disable")
    frozen_clock.advance(minutes=1)
    assert acme.call("POST", f"{path}/disable") == (200, disabled)


def test_a_viewer_cannot_change_integrations(acme: TenantHandle) -> None:
    created = acme.integration()
    path = f"/v1/integrations/{created['id']}"
    viewer = acme.token_for("viewer")
    for method, url, body in [("PATCH", path, {"name": "x"}), ("POST", f"{path}/disable", None),
                              ("POST", f"{path}/enable", None), ("DELETE", path, None)]:
        assert_error(acme.call(method, url, body, token=viewer), 403, "forbidden")
    assert acme.call("GET", path) == (200, created)


# --- delete -----------------------------------------------------------------------------------


def test_delete_removes_it_and_frees_its_name(acme: TenantHandle) -> None:
    created = acme.integration(name="SOC")
    path = f"/v1/integrations/{created['id']}"
    assert acme.call("DELETE", path) == (204, None)
    assert_error(acme.call("GET", path), 404, "not_found")
    assert_error(acme.call("DELETE", path), 404, "not_found")
    assert_error(acme.call("POST", f"{path}/enable"), 404, "not_found")
    assert f"int#{created['id']}" not in sort_keys(acme) and "name#soc" not in sort_keys(acme)
    status, again = create(acme, name="soc")
    assert status == 201 and again["id"] != created["id"]


# --- list and pagination ----------------------------------------------------------------------


def walk(tenant: TenantHandle, limit: int) -> list[list[str]]:
    """Every page's ids, following next_cursor until it is null."""
    pages, cursor = [], None
    while True:
        query = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        status, page = tenant.call("GET", f"/v1/integrations{query}")
        assert status == 200, page
        assert set(page) == {"items", "next_cursor"}
        pages.append([item["id"] for item in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50, "pagination does not end"


@pytest.mark.parametrize("limit", [1, 3, 4, 7, 100])
def test_pages_cover_every_integration_once(acme: TenantHandle, limit: int) -> None:
    # GIVEN seven integrations (the default one and six more)
    ids = {item["id"] for item in acme.call("GET", "/v1/integrations")[1]["items"]}
    ids |= {acme.integration(name=f"team {n}")["id"] for n in range(6)}
    # WHEN walking the pages
    pages = walk(acme, limit)
    # THEN no page is larger than the limit, and every integration appears exactly once
    seen = [item for page in pages for item in page]
    assert all(len(page) <= limit for page in pages)
    assert sorted(seen) == sorted(ids)
    assert all(pages), "no page is empty: a cursor is given only when more items exist"
    assert len(pages) == -(-len(ids) // limit)


def test_list_defaults_to_twenty(acme: TenantHandle) -> None:
    for n in range(21):
        acme.integration(name=f"team {n}")
    status, page = acme.call("GET", "/v1/integrations")
    assert status == 200 and len(page["items"]) == 20 and page["next_cursor"]


@pytest.mark.parametrize("cursor", ["garbage", "!!!", "eyJrIjogMX0", base64.urlsafe_b64encode(b"[1]").decode(),
                                    base64.urlsafe_b64encode(json.dumps({"k": "name#soc"}).encode()).decode(),
                                    base64.urlsafe_b64encode(json.dumps({"x": "int#1"}).encode()).decode()])
def test_an_invalid_cursor_is_a_bad_request(acme: TenantHandle, cursor: str) -> None:
    assert_error(acme.call("GET", f"/v1/integrations?cursor={cursor}"), 400, "bad_request")


def test_a_cursor_never_shows_another_tenants_data(acme: TenantHandle, globex: TenantHandle) -> None:
    # GIVEN both tenants with several integrations, and a cursor from Acme's first page
    acme_ids = {acme.integration(name=f"acme {n}")["id"] for n in range(4)}
    globex_ids = {item["id"] for item in globex.call("GET", "/v1/integrations")[1]["items"]}
    globex_ids |= {globex.integration(name=f"globex {n}", emails="x@globex.example")["id"] for n in range(4)}
    status, page = acme.call("GET", "/v1/integrations?limit=2")
    cursor = page["next_cursor"]
    assert cursor
    # WHEN Globex uses Acme's cursor, and keeps paging
    seen: set[str] = set()
    while cursor:
        status, page = globex.call("GET", f"/v1/integrations?limit=2&cursor={cursor}")
        assert status == 200, page
        seen |= {item["id"] for item in page["items"]}
        cursor = page["next_cursor"]
    # THEN it only ever sees its own integrations
    assert seen <= globex_ids
    assert not seen & acme_ids


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=-1", "limit=ten", "limit=1.5", "colour=red",
                                   "cursor=" + "a" * 1025])
def test_invalid_list_parameters_are_rejected(acme: TenantHandle, query: str) -> None:
    error = assert_error(acme.call("GET", f"/v1/integrations?{query}"), 422, "validation_failed")
    assert detail_paths(error) == [query.split("=")[0]]


def test_limits_1_and_100_are_accepted(acme: TenantHandle) -> None:
    assert acme.call("GET", "/v1/integrations?limit=1")[0] == 200
    assert acme.call("GET", "/v1/integrations?limit=100")[0] == 200
