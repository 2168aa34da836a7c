"""Issue 22, item 7, the pure parts: zoned addresses, strict JSON and JSON types, area time zones, look-alike
admin roles."""

from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.api.routing import _json_body
from chalicelib.email.notifications import is_admin_role
from chalicelib.errors import BadRequest
from chalicelib.models.events import AttackData
from chalicelib.models.tenants import TenantCreate
from chalicelib.models.triggers import TerraformThreshold

LOOK_ALIKES = ["admin\u200b", "ＡＤＭＩＮ", "Admin ", "\u202eadmin", "ad\u00admin", "Administrator\u2060",
               "global_ADMIN", "\ufeffadmin", "admin\u0000", "Ａｄｍｉｎｉｓｔｒａｔｏｒ", "\u00a0admin\u3000"]


@pytest.mark.parametrize("role", LOOK_ALIKES)
def test_a_role_that_reads_as_admin_is_admin(role: str) -> None:
    assert is_admin_role(role)


@pytest.mark.parametrize("role", ["viewer", "admin viewer", "administrators", "", None, "adm\u200bin x", 7])
def test_other_roles_are_not(role: object) -> None:
    assert not is_admin_role(role)


@pytest.mark.parametrize("ip", ["fe80::1%eth0", "fe80::1%25eth0", "ff02::1%1", "::1%lo"])
def test_a_zoned_address_is_no_source(ip: str) -> None:
    with pytest.raises(ValidationError) as refused:
        AttackData.model_validate({"type": "sqli", "host": "h", "ip": ip})
    assert [error["loc"] for error in refused.value.errors()] == [("ip",)]


@pytest.mark.parametrize("raw", [b'{"a": NaN}', b'{"a": [Infinity]}', b'{"a": -Infinity}', b'{"a": 1e309}'])
def test_numbers_json_has_not_are_refused(raw: bytes) -> None:
    with pytest.raises(BadRequest, match="not valid JSON"):
        _json_body(raw)


def test_json_numbers_are_read_as_they_are() -> None:
    assert _json_body(b'{"a": 1, "b": 1.5, "c": -0.0, "d": 1e308}') == {"a": 1, "b": 1.5, "c": -0.0, "d": 1e308}


@pytest.mark.parametrize("period", [3600.0, True, "3600"])
def test_a_period_is_a_json_integer(period: Any) -> None:
    with pytest.raises(ValidationError):
        TerraformThreshold.model_validate({"period": period, "count": 3})
    assert TerraformThreshold.model_validate({"period": 3600, "count": 3}).period == 3600


@pytest.mark.parametrize("zone", ["localtime", "Factory", "posixrules", "posix/UTC", "right/Europe/Berlin", "CET",
                                  "US/Pacific", "Etc", "europe/berlin"])
def test_only_area_zones_and_utc_are_time_zones(zone: str) -> None:
    with pytest.raises(ValidationError):
        TenantCreate(name="Acme", primary_email="sec@acme.io", timezone=zone)
