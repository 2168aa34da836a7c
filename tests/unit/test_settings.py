"""Settings come from the environment, typed and checked, with nothing but pydantic."""

import re

import pytest
from pydantic import ValidationError

from chalicelib.settings import Settings


def test_environment_names_are_upper_case_fields_and_an_empty_value_is_unset():
    settings = Settings.from_environ({"AWS_DEFAULT_REGION": "eu-central-1", "delivery_queue": "q", "OPERATOR_TOKEN": "",
                                     "SQS_MAX_DELAY_SECONDS": "300", "CONSOLE_SECURE_COOKIE": "false", "PATH": "/bin"})
    assert settings.aws_region == "eu-central-1" and settings.delivery_queue == "q"
    assert settings.operator_token is None and settings.sqs_max_delay_seconds == 300
    assert settings.console_secure_cookie is False and settings.tenants_table == "email-report-tenants"


def test_an_out_of_range_value_stops_the_start_with_its_name():
    with pytest.raises(ValidationError, match="sqs_max_delay_seconds"):
        Settings.from_environ({"SQS_MAX_DELAY_SECONDS": "3600"})


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/console", "http://localhost/console", "https://LOCALHOST./c",
                                 "http://[::1]:8000/console", "http://127.9.9.9/console", "http://app.localhost/console",
                                 "http://0.0.0.0:8000/console", "/console"])
@pytest.mark.parametrize("stage", ["prod", "staging"])
def test_a_deployed_stage_refuses_a_console_url_on_this_machine(url: str, stage: str) -> None:
    with pytest.raises(ValidationError, match=r"loopback address.*set CONSOLE_URL"):
        Settings.from_environ({"STAGE": stage, "CONSOLE_URL": url})


def test_the_default_console_url_is_refused_outside_local_and_test() -> None:
    expected = re.escape("'http://127.0.0.1:8000/console', a loopback address, on stage 'prod'")
    with pytest.raises(ValidationError, match=expected):
        Settings.from_environ({"STAGE": "prod"})


@pytest.mark.parametrize(("stage", "url"), [("prod", "https://console.example.com/console"),
                                            ("prod", "https://127-0-0-1.example.com/"), ("local", None),
                                            ("test", "http://localhost:8000/console")])
def test_a_public_console_url_or_a_local_stage_starts(stage: str, url: str | None) -> None:
    settings = Settings.from_environ({"STAGE": stage, **({"CONSOLE_URL": url} if url else {})})
    assert settings.stage == stage and settings.console_url == (url or "http://127.0.0.1:8000/console")
