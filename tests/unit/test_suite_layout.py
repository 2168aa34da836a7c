"""Every test module sits in a tier that ``pytest`` collects (``testpaths``): one left in tests/ would never run."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TIERS = ("tests/unit", "tests/scenario", "tests/browser")


def test_testpaths_are_the_three_tiers() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())

    assert tuple(config["tool"]["pytest"]["ini_options"]["testpaths"]) == TIERS


def test_every_test_module_is_in_a_tier() -> None:
    modules = [path.relative_to(ROOT) for path in (ROOT / "tests").rglob("test_*.py")]

    stray = [str(path) for path in modules if not str(path.parent).startswith(TIERS)]
    assert modules and not stray, f"move these into tests/unit, tests/scenario or tests/browser: {stray}"
