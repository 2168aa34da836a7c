"""Settings come from the environment, typed and checked, with nothing but pydantic."""

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
