"""The console's Suppressions page through chalice's test client: the list with reasons, removal after a
confirmation, viewer read-only, CSRF, another tenant's addresses not found, escaping, addresses in URLs,
and the integrations pages naming their suppressed recipients."""

from datetime import UTC, datetime
from typing import Literal

import pytest

from chalicelib.console import suppressions as console_suppressions
from chalicelib.models.suppressions import Suppression
from chalicelib.suppressions import service
from tests.support.api import TenantHandle
from tests.support.console import Browser, integration_id

BOUNCE = "smtp; 550 5.1.1 user unknown"


def suppress(tenant: TenantHandle, email: str, reason: Literal["bounce", "complaint"] = "bounce",
             detail: str | None = BOUNCE) -> None:
    service.add(tenant.id, Suppression(email=email, reason=reason, detail=detail,
                                       created_at=datetime(2026, 11, 25, 10, 0, tzinfo=UTC)))


def listed(tenant: TenantHandle) -> list[str]:
    status, body = tenant.call("GET", "/v1/suppressions")
    assert status == 200, body
    return [item["email"] for item in body["items"]]


def remove_path(email: str) -> str:
    return f"/console/suppressions/{email.replace('@', '%40').replace('+', '%2B')}/remove"


def test_the_list_explains_an_empty_list_then_shows_each_address_with_its_reason(admin: Browser,
                                                                                  acme: TenantHandle) -> None:
    # GIVEN no suppressions THEN the page says what the list is for
    empty = admin.get("/console/suppressions")
    assert empty.status == 200 and "No suppressed addresses" in empty.body and "hard-bounces" in empty.body
    assert '<a href="/console/suppressions" aria-current="page">Suppressions</a>' in empty.body

    # WHEN one address bounced and another complained
    suppress(acme, "gone@acme.io")
    suppress(acme, "ops+alerts@acme.io", "complaint", None)
    page = admin.get("/console/suppressions")

    # THEN both are listed with their reason, detail and time, each with its own Remove link
    rows = page.body.split("<tr>")[2:]
    assert len(rows) == 2
    gone, ops = sorted(rows, key=lambda row: "ops+alerts" in row)
    assert "gone@acme.io" in gone and "Hard bounce" in gone and BOUNCE in gone and "25 Nov 2026, 10:00 UTC" in gone
    assert "ops+alerts@acme.io" in ops and "Complaint" in ops
    assert f'href="{remove_path("ops+alerts@acme.io")}"' in ops


def test_long_lists_are_paged_with_the_cursor(admin: Browser, acme: TenantHandle,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console_suppressions, "PAGE_SIZE", 2)
    for name in ("a", "b", "c"):
        suppress(acme, f"{name}@acme.io")

    first = admin.get("/console/suppressions")
    assert "a@acme.io" in first.body and "b@acme.io" in first.body and "c@acme.io" not in first.body
    next_link = first.body.split('class="pager"><a class="button button-secondary" href="')[1].split('"')[0]
    second = admin.get(next_link.replace("&amp;", "&"))
    assert "c@acme.io" in second.body and "a@acme.io" not in second.body and "Next page" not in second.body
    assert admin.get("/console/suppressions?cursor=not-a-cursor").status == 400


def test_an_admin_removes_an_address_after_a_confirmation(admin: Browser, acme: TenantHandle) -> None:
    # GIVEN a suppressed address with + and @, which the URL carries percent-encoded
    suppress(acme, "ops+alerts@acme.io")
    suppress(acme, "gone@acme.io")

    confirm = admin.get(remove_path("ops+alerts@acme.io"))
    assert confirm.status == 200 and "Remove ops+alerts@acme.io from the suppression list?" in confirm.body
    assert f'action="{remove_path("ops+alerts@acme.io")}"' in confirm.body and BOUNCE in confirm.body

    # WHEN the admin confirms THEN the list comes back with a notice, and the address gets mail again
    removed = admin.post(remove_path("ops+alerts@acme.io"), {"csrf": confirm.csrf})
    assert removed.status == 303 and removed.headers["Location"] == "/console/suppressions?notice=removed"
    after = admin.get("/console/suppressions?notice=removed")
    assert "Address removed from the suppression list" in after.body and "ops+alerts@acme.io" not in after.body
    assert listed(acme) == ["gone@acme.io"]

    # AND an address that is not (or no longer) on the list is not found
    again = admin.post(remove_path("ops+alerts@acme.io"), {"csrf": confirm.csrf})
    assert again.status == 404 and "not on the suppression list" in again.body
    assert admin.get(remove_path("never@acme.io")).status == 404


def test_a_removal_without_the_csrf_token_is_refused_and_changes_nothing(admin: Browser,
                                                                         acme: TenantHandle) -> None:
    suppress(acme, "gone@acme.io")
    for form in ({}, {"csrf": "made-up"}):
        page = admin.post(remove_path("gone@acme.io"), form)
        assert page.status == 403 and "did not come from this console" in page.body
    assert listed(acme) == ["gone@acme.io"]


def test_a_viewer_sees_the_list_but_cannot_remove(browser: Browser, acme: TenantHandle) -> None:
    suppress(acme, "gone@acme.io")
    browser.sign_in(acme.token_for("viewer"))

    page = browser.get("/console/suppressions")
    assert page.status == 200 and "gone@acme.io" in page.body
    assert "Remove" not in page.body and "/remove" not in page.body
    assert browser.get(remove_path("gone@acme.io")).status == 403
    assert browser.post(remove_path("gone@acme.io"), {"csrf": page.csrf}).status == 403
    assert listed(acme) == ["gone@acme.io"]


def test_another_tenants_suppressions_are_invisible_and_not_found(admin: Browser, acme: TenantHandle,
                                                                  globex: TenantHandle) -> None:
    suppress(globex, "soc@globex.example")
    csrf = admin.get("/console/suppressions").csrf

    assert "soc@globex.example" not in admin.get("/console/suppressions").body
    for page in (admin.get(remove_path("soc@globex.example")),
                 admin.post(remove_path("soc@globex.example"), {"csrf": csrf})):
        assert page.status == 404 and "soc@globex.example" not in page.body
    assert listed(globex) == ["soc@globex.example"]


def test_a_hostile_detail_is_escaped(admin: Browser, acme: TenantHandle) -> None:
    suppress(acme, "gone@acme.io", detail='<script>alert("x")</script>')

    for path in ("/console/suppressions", remove_path("gone@acme.io")):
        body = admin.get(path).body
        assert "<script>" not in body, path
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body, path


def test_only_well_formed_addresses_reach_the_page_and_ids_stay_strict(admin: Browser) -> None:
    for path in ("/console/suppressions/not-an-address/remove", "/console/suppressions/a%20b%40acme.io/remove",
                 "/console/suppressions/a%40b%40acme.io/remove", "/console/suppressions/a%00%40acme.io/remove",
                 "/console/integrations/a%40acme.io", "/console/triggers/a@acme.io"):
        page = admin.get(path)
        assert page.status == 404 and "no such page" in page.body, path


def test_integrations_name_their_suppressed_recipients(admin: Browser, acme: TenantHandle) -> None:
    # GIVEN an integration one of whose two addresses is suppressed
    acme.integration(name="SOC", emails="a@acme.io, b@acme.io")
    soc = integration_id(acme, "SOC")
    suppress(acme, "a@acme.io")

    # THEN its card and its page name the address and link to the list, without the nothing-is-sent warning
    for path in ("/console/integrations", f"/console/integrations/{soc}"):
        body = admin.get(path).body
        assert "not sent to: <span class=\"recipients\">a@acme.io</span>" in body, path
        assert 'href="/console/suppressions">See suppressions' in body and "Every address" not in body, path

    # WHEN the other address is suppressed too THEN both pages warn that nothing is sent
    suppress(acme, "b@acme.io", "complaint")
    for path in ("/console/integrations", f"/console/integrations/{soc}"):
        body = admin.get(path).body
        assert "a@acme.io, b@acme.io</span>" in body, path
        assert "<strong>Every address of this integration is on the suppression list" in body, path


def test_test_integration_names_the_suppressed_addresses_it_left_out(admin: Browser, acme: TenantHandle) -> None:
    acme.integration(name="SOC", emails="a@acme.io, b@acme.io", events=["system"])
    soc = integration_id(acme, "SOC")
    suppress(acme, "a@acme.io")

    page = admin.post(f"/console/integrations/{soc}/test", {"csrf": admin.get("/console/integrations").csrf})

    assert page.status == 200 and "Test passed" in page.body
    assert "Suppressed addresses left out" in page.body
    assert "left out, on the suppression list (hard bounce or complaint): a@acme.io" in page.body
