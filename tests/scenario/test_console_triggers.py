"""The console's Triggers pages through chalice's test client: add with errors next to fields, edit,
delete after a confirmation, viewer read-only, another tenant's trigger not found."""

import re

from tests.support.api import TenantHandle
from tests.support.console import Browser, primary_id, trigger_form


def test_a_trigger_is_added_through_the_form_with_errors_next_to_fields(admin: Browser,
                                                                       acme: TenantHandle) -> None:
    page = admin.get("/console/triggers/new")
    assert page.status == 200 and "Primary email" in page.body

    wrong = admin.post("/console/triggers", trigger_form(page.csrf, primary_id(acme), name="", threshold="many",
                                                         integration_ids=[]))
    assert wrong.status == 422
    errors = dict(re.findall(r'<p class="field-error" id="(\w+)-error">([^<]*)</p>', wrong.body))
    assert errors["name"] == "Enter a name."
    assert errors["threshold"] == "Enter a whole number."
    assert errors["integration_ids"] == "Choose at least one integration."

    added = admin.post("/console/triggers", trigger_form(page.csrf, primary_id(acme), exclude=["domain"]))
    assert added.status == 303
    trigger = acme.call("GET", "/v1/triggers")[1]["items"][0]
    assert trigger["condition"]["filters"]["domain"] == {"values": ["shop.acme.io", "api.acme.io"], "exclude": True}
    listing = admin.get("/console/triggers?notice=created")
    assert "Trigger added." in listing.body
    assert "More than 100 attacks per hour · domain not in shop.acme.io, api.acme.io" in listing.body


def test_a_trigger_is_edited_and_deleted_after_a_confirmation(admin: Browser, acme: TenantHandle) -> None:
    csrf = admin.get("/console/triggers/new").csrf
    admin.post("/console/triggers", trigger_form(csrf, primary_id(acme)))
    trigger_id = acme.call("GET", "/v1/triggers")[1]["items"][0]["id"]

    form = admin.get(f"/console/triggers/{trigger_id}")
    assert 'value="shop.acme.io, api.acme.io"' in form.body
    saved = admin.post(f"/console/triggers/{trigger_id}",
                       trigger_form(csrf, primary_id(acme), name="New users", kind="user_added"))
    assert saved.status == 303
    assert acme.call("GET", f"/v1/triggers/{trigger_id}")[1]["condition"] == {"type": "user_added"}

    confirm = admin.get(f"/console/triggers/{trigger_id}/delete")
    assert "Delete “New users”?" in confirm.body
    assert admin.post(f"/console/triggers/{trigger_id}/delete", {"csrf": csrf}).status == 303
    assert acme.call("GET", f"/v1/triggers/{trigger_id}")[0] == 404


def test_a_viewer_cannot_change_triggers_and_other_tenants_are_not_found(browser: Browser,
                                                                         acme: TenantHandle,
                                                                         globex: TenantHandle) -> None:
    status, theirs = globex.call("POST", "/v1/triggers", {"name": "Globex", "integration_ids": [primary_id(globex)],
                                                          "condition": {"type": "api_changed"}})
    assert status == 201, theirs
    browser.sign_in(acme.token_for("viewer"))
    listing = browser.get("/console/triggers")
    assert listing.status == 200 and "Add trigger" not in listing.body and "Globex" not in listing.body

    assert browser.post("/console/triggers", trigger_form(listing.csrf, primary_id(acme))).status == 403
    assert browser.get(f"/console/triggers/{theirs['id']}").status == 404


def test_an_integration_deleted_meanwhile_is_named_next_to_the_field(admin: Browser,
                                                                     acme: TenantHandle) -> None:
    csrf = admin.get("/console/triggers/new").csrf
    gone = "00000000-0000-4000-8000-000000000000"
    page = admin.post("/console/triggers", trigger_form(csrf, gone))
    errors = dict(re.findall(r'<p class="field-error" id="(\w+)-error">([^<]*)</p>', page.body))
    assert page.status == 404 and f"No integration &#39;{gone}&#39; in this tenant" == errors["integration_ids"]
    assert acme.call("GET", "/v1/triggers")[1]["items"] == []


def test_any_incident_and_thousands_read_as_in_the_mail(admin: Browser, acme: TenantHandle) -> None:
    csrf = admin.get("/console/triggers/new").csrf
    assert admin.post("/console/triggers", trigger_form(csrf, primary_id(acme), name="Any incident",
                                                        metric="incidents", interval="day", threshold="0",
                                                        domain="")).status == 303
    assert admin.post("/console/triggers", trigger_form(csrf, primary_id(acme), name="Hits flood", metric="hits",
                                                        threshold="5,000", domain="")).status == 303
    listing = admin.get("/console/triggers").body
    assert "Any incident per day" in listing and "More than 5,000 hits per hour" in listing and "5000" not in listing
    flood = next(t for t in acme.call("GET", "/v1/triggers")[1]["items"] if t["name"] == "Hits flood")
    assert flood["condition"]["threshold"] == 5000
    assert 'value="5,000"' in admin.get(f"/console/triggers/{flood['id']}").body
