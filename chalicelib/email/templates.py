"""The jinja2 environment for every email; HTML is autoescaped, plain text is not."""

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment

# The templates live in chalicelib/templates (templates/ links there), so `chalice package` ships them.
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


@lru_cache(maxsize=1)
def environment() -> "Environment":
    """Built on the first email, so a cold start that sends none never imports jinja2."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, **context: Any) -> tuple[str, str]:
    """``(html, text)`` of ``<name>.html`` and ``<name>.txt``."""
    env = environment()
    return env.get_template(f"{name}.html").render(**context), env.get_template(f"{name}.txt").render(**context)
