"""The trigger form's backtest in the console (chalice's test client): the unsaved form's alerts per day as an SVG
bar chart beside it, under the console's CSP, with nothing stored; refusals next to their field."""

import re
from datetime import UTC, datetime

from tests.scenario.test_console import Browser, admin, browser  # noqa: F401 - fixtures shared with the console tests
from tests.scenario.test_console_triggers import primary_id, trigger_form
from tests.scenario.test_trigger_backtest import burst, post
from tests.support.api import TenantHandle
from tests.support.clock import FrozenClock
from tests.support.pipeline import Pipeline


def test_the_form_is_backtested_before_saving_as_a_chart_beside_it(frozen_clock: FrozenClock, admin: Browser,  # noqa: F811
                                                                   acme: TenantHandle, pipeline: Pipeline) -> None:
    # GIVEN 7 and 12 attacks in two hours of November, 3 in another
    post(acme, [*burst(datetime(2026, 11, 3, 14, tzinfo=UTC), 7), *burst(datetime(2026, 11, 10, 2, tzinfo=UTC), 12),
                *burst(datetime(2026, 11, 12, 8, tzinfo=UTC), 3)], pipeline, "console")
    csrf = admin.get("/console/triggers/new").csrf

    # WHEN the admin backtests "more than 5 attacks per hour" without saving it
    shown = admin.post("/console/triggers/preview", trigger_form(csrf, primary_id(acme), threshold="5", domain=""))

    # THEN the form comes back as typed, with 2 alerts on two days drawn as two bars, and nothing is stored
    assert shown.status == 200
    assert 'id="backtest-total"><strong>2</strong> alerts' in shown.body
    assert 'value="Attack spike"' in shown.body and 'value="5"' in shown.body
    chart = shown.body.split('<svg class="backtest-chart"', 1)[1].split("</svg>", 1)[0]
    assert len(re.findall(r'<rect class="backtest-sure"', chart)) == 2 and "backtest-possible" not in chart
    assert "Tue 03 Nov: 1 alert" in chart and "Tue 10 Nov: 1 alert" in chart
    assert "style=" not in chart and "<script" not in shown.body  # the CSP allows no inline style or script
    assert "default-src 'none'" in shown.headers["Content-Security-Policy"]
    assert acme.call("GET", "/v1/triggers")[1]["items"] == []

    # WHEN minute windows are backtested THEN the page says what hourly data cannot tell
    minute = admin.post("/console/triggers/preview", trigger_form(csrf, primary_id(acme), threshold="2",
                                                                  interval="minute", domain=""))
    assert 'Between <strong>0</strong> and <strong>7</strong> alerts' in minute.body  # 7//3 + 12//3 + 3//3
    assert "backtest-possible" in minute.body and "stored per hour" in minute.body
    assert "Busiest hours" in minute.body

    # WHEN the form cannot be backtested THEN the reason shows next to the field, and nothing is stored
    refused = admin.post("/console/triggers/preview", trigger_form(csrf, primary_id(acme), kind="user_added"))
    assert refused.status == 422
    assert re.search(r'id="kind-error">Stored data counts attacks', refused.body)
    assert acme.call("GET", "/v1/triggers")[1]["items"] == []


def test_a_saved_trigger_is_backtested_with_its_edits(frozen_clock: FrozenClock, admin: Browser,  # noqa: F811
                                                      acme: TenantHandle) -> None:
    csrf = admin.get("/console/triggers/new").csrf
    assert admin.post("/console/triggers", trigger_form(csrf, primary_id(acme))).status == 303
    trigger = acme.call("GET", "/v1/triggers")[1]["items"][0]

    shown = admin.post(f"/console/triggers/{trigger['id']}/preview",
                       trigger_form(csrf, primary_id(acme), threshold="0", interval="day"))

    assert shown.status == 200 and 'id="backtest-total"><strong>0</strong> alerts' in shown.body
    assert f'action="/console/triggers/{trigger["id"]}"' in shown.body
    assert acme.call("GET", f"/v1/triggers/{trigger['id']}")[1] == trigger  # unchanged until saved
