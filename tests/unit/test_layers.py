"""The layers of docs/architecture.md hold: imports point down, front ends never reach ``chalicelib.aws``, the
console never imports the API, no cycle between ``chalicelib``'s packages, the base imports only the libraries
named, no module over 400 lines (the checker: tests/support/layers.py).

The two lists below hold known breaks while a fix is on its way (none today): a NEW break fails the suite, and so
does an entry that no longer breaks anything.
"""

from pathlib import Path

import pytest

from tests.support import layers

ROOT = Path(__file__).resolve().parents[2]

KNOWN_IMPORTS: dict[tuple[str, str], str] = {
}

KNOWN_LONG: dict[str, str] = {
}

# Domain modules that still read or write a table themselves instead of through a store (chalicelib/stores,
# docs/architecture.md): the list only shrinks.
STILL_ON_TABLES = {
    "chalicelib.auth", "chalicelib.delivery.log", "chalicelib.delivery.outbox", "chalicelib.delivery.worker",
    "chalicelib.digests.collect", "chalicelib.digests.outlook", "chalicelib.digests.send", "chalicelib.events.security",
    "chalicelib.integrations.checks", "chalicelib.integrations.health", "chalicelib.limits",
    "chalicelib.reports.generation", "chalicelib.reports.links", "chalicelib.reports.scheduler",
    "chalicelib.reports.schedules", "chalicelib.reports.service", "chalicelib.suppressions.service",
    "chalicelib.tenants.upgrade", "chalicelib.triggers.alerts", "chalicelib.triggers.evaluate",
    "chalicelib.triggers.service", "chalicelib.triggers.windows",
}


@pytest.fixture(scope="module")
def found() -> list[layers.Import]:
    return layers.imports(ROOT)


def test_imports_follow_the_layers_without_a_cycle(found: list[layers.Import]) -> None:
    problems = layers.violations(found, KNOWN_IMPORTS)

    assert not problems, "imports against the layers of docs/architecture.md:\n" + "\n".join(problems)


def test_every_known_import_break_still_exists(found: list[layers.Import]) -> None:
    graph = layers.edges(found)

    gone = [f"{pair}: {note}" for pair, note in KNOWN_IMPORTS.items() if pair not in graph]
    assert not gone, "fixed, so delete from KNOWN_IMPORTS in tests/unit/test_layers.py:\n" + "\n".join(gone)


def test_the_base_imports_the_standard_library_and_only_the_libraries_the_docs_name() -> None:
    used = layers.libraries(ROOT)

    assert set(used) == set(layers.BASE_LIBRARIES), {name: sorted(where) for name, where in used.items()}


def test_no_module_is_over_400_lines() -> None:
    long = layers.long_modules(ROOT)

    new = {path: lines for path, lines in long.items() if path not in KNOWN_LONG}
    assert not new, f"split these modules (at most {layers.MAX_LINES} lines): {new}"
    gone = sorted(set(KNOWN_LONG) - set(long))
    assert not gone, f"no longer over {layers.MAX_LINES} lines, so delete from KNOWN_LONG: {gone}"


def test_no_more_domain_modules_reach_a_table_than_before(found: list[layers.Import]) -> None:
    reached = layers.table_imports(found)

    new = {module: sorted(tables) for module, tables in reached.items() if module not in STILL_ON_TABLES}
    assert not new, f"domain code reaches tables directly; give it a store (chalicelib/stores) instead: {new}"
    gone = sorted(STILL_ON_TABLES - set(reached))
    assert not gone, f"on stores now, so delete from STILL_ON_TABLES in tests/unit/test_layers.py: {gone}"


def test_the_walk_sees_the_app_and_every_package(found: list[layers.Import]) -> None:
    packages = {layers.package(imp.importer) for imp in found} | {layers.package(imp.imported) for imp in found}
    assert {"app", "api", "console", "aws", "models", "reports", "email", "delivery"} <= packages
    assert any(imp.path == "app.py" for imp in found)


# --- the checker itself, on a tiny tree ---------------------------------------------------------------------------


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in {"chalicelib/__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / "__init__.py").touch()
        path.write_text(text)
    return root


def test_an_upward_import_inside_a_function_fails_with_its_file_line_and_statement(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "chalicelib/aws/repo.py": "import json\n\n\ndef read():\n    from chalicelib.reports import jobs\n",
        "chalicelib/reports/jobs.py": "from chalicelib.aws import repo\n",
    })

    problems = layers.violations(layers.imports(root))

    assert problems[0].startswith("chalicelib/aws/repo.py:5: from chalicelib.reports import jobs (aws → reports)")
    assert problems[1].startswith("cycle between the packages ['aws', 'reports']")
    assert len(problems) == 2
    assert layers.violations(layers.imports(root), {("aws", "reports"): "known"}) == []


def test_relative_imports_are_resolved_and_type_checking_ones_left_out(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "chalicelib/email/alerts.py": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
                                      "    from chalicelib.reports.data import Data\n"
                                      "else:\n    from ..clock import now\n",
        "chalicelib/email/mailer.py": "from ..triggers import rules\nfrom . import alerts\n",
        "chalicelib/clock.py": "", "chalicelib/reports/data.py": "", "chalicelib/triggers/rules.py": "",
    })

    found = layers.imports(root)

    assert [(imp.path, imp.line, imp.imported) for imp in found] == [
        ("chalicelib/email/alerts.py", 6, "chalicelib.clock"),
        ("chalicelib/email/mailer.py", 1, "chalicelib.triggers.rules"),
        ("chalicelib/email/mailer.py", 2, "chalicelib.email.alerts")]
    assert [problem.split(" (")[0] for problem in layers.violations(found)] == [
        "chalicelib/email/mailer.py:1: from ..triggers import rules"]


def test_a_cycle_between_base_modules_fails(tmp_path: Path) -> None:
    root = tree(tmp_path, {"chalicelib/clock.py": "from chalicelib import settings\n",
                           "chalicelib/settings.py": "def get():\n    from chalicelib.clock import now\n"})

    [problem] = layers.violations(layers.imports(root))

    assert problem.startswith("cycle between the packages ['clock', 'settings']")
    assert "chalicelib/clock.py:1: from chalicelib import settings (clock → settings)" in problem
    assert "chalicelib/settings.py:2: from chalicelib.clock import now (settings → clock)" in problem


def test_front_ends_reach_aws_only_through_auth_and_the_console_never_imports_the_api(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "chalicelib/aws/tokens_repo.py": "", "chalicelib/auth.py": "from chalicelib.aws import tokens_repo\n",
        "chalicelib/api/routes.py": "from chalicelib import auth\nimport chalicelib.aws.tokens_repo\n",
        "chalicelib/console/pages.py": "from chalicelib import auth\nfrom chalicelib.api import routes\n",
        "app.py": "from chalicelib.api import routes\nfrom chalicelib.console import pages\n",
    })

    problems = layers.violations(layers.imports(root))

    assert [problem.split(": ", 2)[:2] for problem in problems] == [
        ["chalicelib/api/routes.py:2", "import chalicelib.aws.tokens_repo (api → aws)"],
        ["chalicelib/console/pages.py:2", "from chalicelib.api import routes (console → api)"]]


def test_a_package_in_no_layer_fails(tmp_path: Path) -> None:
    root = tree(tmp_path, {"chalicelib/billing/invoices.py": "from chalicelib import clock\n",
                           "chalicelib/clock.py": ""})

    [problem] = layers.violations(layers.imports(root))

    assert "package 'billing' is in no layer" in problem


def test_long_modules_are_found(tmp_path: Path) -> None:
    root = tree(tmp_path, {"chalicelib/big.py": "x = 1\n" * 401, "chalicelib/fine.py": "x = 1\n" * 400})

    assert layers.long_modules(root) == {"chalicelib/big.py": 401}


def test_a_library_the_base_imports_lazily_is_seen_and_the_standard_library_is_not(tmp_path: Path) -> None:
    root = tree(tmp_path, {"chalicelib/clock.py": "import json\n\n\ndef f():\n    from boto3 import session\n",
                           "chalicelib/aws/repo.py": "import boto3\n"})

    assert layers.libraries(root) == {"boto3": {"chalicelib.clock"}}


def test_table_imports_name_the_domain_modules_that_import_a_table_module(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "chalicelib/aws/orders_repo.py": "", "chalicelib/aws/queue.py": "", "chalicelib/aws/dynamo.py": "",
        "chalicelib/reports/jobs.py": "from chalicelib.aws import orders_repo, queue\n",
        "chalicelib/events/ingest.py": "from chalicelib.aws import queue\n",
        "chalicelib/triggers/rules.py": "def read():\n    from chalicelib.aws.dynamo import transact\n",
        "chalicelib/api/routes.py": "from chalicelib.aws import orders_repo\n",
    })

    assert layers.table_imports(layers.imports(root)) == {"chalicelib.reports.jobs": {"orders_repo"},
                                                          "chalicelib.triggers.rules": {"dynamo"}}
