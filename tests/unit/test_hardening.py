"""Issue 22, item 7, the pure parts: look-alike admin roles."""

import pytest

from chalicelib.email.notifications import is_admin_role

LOOK_ALIKES = ["admin\u200b", "ＡＤＭＩＮ", "Admin ", "\u202eadmin", "ad\u00admin", "Administrator\u2060",
               "global_ADMIN", "\ufeffadmin", "admin\u0000", "Ａｄｍｉｎｉｓｔｒａｔｏｒ", "\u00a0admin\u3000"]


@pytest.mark.parametrize("role", LOOK_ALIKES)
def test_a_role_that_reads_as_admin_is_admin(role: str) -> None:
    assert is_admin_role(role)


@pytest.mark.parametrize("role", ["viewer", "admin viewer", "administrators", "", None, "adm\u200bin x", 7])
def test_other_roles_are_not(role: object) -> None:
    assert not is_admin_role(role)
