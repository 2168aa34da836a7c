"""Every email's content: the jinja2 templates beside this module (HTML autoescaped, plain text not) rendered
with the one base context that frames each mail (product, tenant, when, test banner, console link)."""

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chalicelib.email.message import Content, plain_text
from chalicelib.settings import get_settings

if TYPE_CHECKING:
    from jinja2 import Environment

# Inside chalicelib/, so `chalice package` ships them (it packages app.py, chalicelib/ and vendor/ only).
TEMPLATES = Path(__file__).resolve().parent / "templates"


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
        finalize=visible,
    )


def visible(value: Any) -> Any:
    """Every ``{{ value }}`` of every mail, before escaping: text as :func:`plain_text` keeps it (no NUL, bidi
    override, zero-width or line separator from event data reaches the text or HTML part; a line break in a value
    is a space, so it cannot forge lines of the text part). Markup stays markup."""
    if not isinstance(value, str):
        return value
    cleaned = plain_text(value)
    return value if cleaned == value else type(value)(cleaned)


def render(name: str, **context: Any) -> tuple[str, str]:
    """``(html, text)`` of ``<name>.html`` and ``<name>.txt``."""
    env = environment()
    return env.get_template(f"{name}.html").render(**context), env.get_template(f"{name}.txt").render(**context)


def base(tenant_name: str, when: str, test: bool = False) -> dict[str, Any]:
    """What ``base.html``/``base.txt`` frame every mail with: product, tenant, a time line, the test banner."""
    settings = get_settings()
    return {"product": settings.product_name, "tenant_name": tenant_name, "console_url": settings.console_url,
            "when": when, "test": test}


def compose(name: str, subject: str, tenant_name: str, when: str, test: bool = False, summary: str | None = None,
            **context: Any) -> Content:
    """The mail of template ``name`` in the base frame; ``subject`` is also the HTML title; ``summary`` (default: the
    headline, else the subject) says in one line what happened: it leads the mail as its hidden preheader, the line
    an inbox shows beside the subject (a thread's subject stays the same, so the news goes there)."""
    summary = summary or context.get("headline") or subject
    html, text = render(name, subject=subject, preheader=summary, **base(tenant_name, when, test), **context)
    return Content(subject, html, text, summary=summary)
