"""Console pages for triggers (additional alerts): list, add, edit, delete, on the triggers service."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalice import Blueprint, Response
from pydantic import ValidationError

from chalicelib.console import web
from chalicelib.console.forms import capitalised
from chalicelib.console.web import Session, page
from chalicelib.errors import AppError
from chalicelib.integrations import service as integrations
from chalicelib.models.backtest import TriggerPreview
from chalicelib.models.integrations import Integration
from chalicelib.models.triggers import Trigger, TriggerCreate, TriggerUpdate
from chalicelib.triggers import service
from chalicelib.wiring import stores

bp = Blueprint(__name__)
PAGE_SIZE = 50
KINDS = (("threshold", "Number of attacks, hits or incidents exceeds a threshold"),
         ("api_changed", "Changes in API took place"), ("user_added", "A new user was added to the company account"))
METRICS = ("attacks", "hits", "incidents")
INTERVALS = ("minute", "hour", "day")
FILTERS = (("domain", "Domains"), ("attack_type", "Attack types"), ("ip", "Source IPs (or CIDR blocks)"),
           ("application", "Applications"))
FIELDS = ("name", "comment", "kind", "metric", "interval", "threshold", "integration_ids", *(f for f, _ in FILTERS))
NOTICES = {"created": "Trigger added.", "saved": "Changes saved.", "deleted": "Trigger deleted."}


@dataclass
class TriggerForm:
    """What the trigger form shows and what was typed; ``errors`` maps a field to its message."""

    name: str = ""
    comment: str = ""
    active: bool = True
    kind: str = "threshold"
    metric: str = "attacks"
    interval: str = "hour"
    threshold: str = "100"
    filters: dict[str, str] = field(default_factory=dict)
    excluded: list[str] = field(default_factory=list)
    integration_ids: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, trigger: Trigger) -> "TriggerForm":
        form = cls(name=trigger.name, comment=trigger.comment or "", active=trigger.active,
                   kind=trigger.condition.type, integration_ids=list(trigger.integration_ids))
        condition: Any = trigger.condition
        if condition.type == "threshold":
            form.metric, form.interval = condition.metric, condition.interval
            form.threshold = web.number(condition.threshold)
            for name, _ in FILTERS:
                rule = getattr(condition.filters, name)
                if rule:
                    form.filters[name] = ", ".join(rule.values)
                    if rule.exclude:
                        form.excluded.append(name)
        return form

    @classmethod
    def parse(cls, form: dict[str, list[str]]) -> "TriggerForm":
        return cls(name=web.field(form, "name"), comment=web.field(form, "comment"), active="active" in form,
                   kind=web.field(form, "kind"), metric=web.field(form, "metric"),
                   interval=web.field(form, "interval"), threshold=web.field(form, "threshold").strip(),
                   filters={name: web.field(form, name) for name, _ in FILTERS if web.field(form, name).strip()},
                   excluded=form.get("exclude", []), integration_ids=form.get("integration_ids", []))

    def condition(self) -> dict[str, Any]:
        if self.kind != "threshold":
            return {"type": self.kind}
        filters = {name: {"values": [v.strip() for v in text.split(",") if v.strip()], "exclude": name in self.excluded}
                   for name, text in self.filters.items()}
        # "5,000" as the console shows it ("0" is "any"); a form field is text, the model takes only an integer
        threshold = self.threshold.replace(",", "").replace(" ", "")
        threshold = int(threshold) if threshold.isascii() and threshold.isdigit() else threshold
        return {"type": "threshold", "metric": self.metric, "interval": self.interval, "threshold": threshold,
                "filters": filters}

    def validated(self) -> TriggerCreate | None:
        """The trigger the form describes, or ``None`` with ``errors`` filled in."""
        self.errors = {}
        try:
            return TriggerCreate.model_validate({"name": self.name, "comment": self.comment or None,
                                                 "active": self.active, "integration_ids": self.integration_ids,
                                                 "condition": self.condition()})
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                self.errors.setdefault(_field(error["loc"]), _message(error))
            return None

    def refused(self, error: AppError) -> bool:
        for detail in error.details:
            name = _field(tuple(str(detail.get("path", "")).split(".")))
            self.errors.setdefault(name, capitalised(str(detail.get("message") or error.message)))
        return bool(self.errors)


def _field(loc: tuple[Any, ...]) -> str:
    """The form field a model error path points at (``condition.threshold.metric`` → ``metric``)."""
    names = [str(part) for part in loc]
    if names[:1] == ["condition"]:
        known = [name for name in names if name in FIELDS]
        return known[-1] if known else "kind"
    return names[0] if names and names[0] in FIELDS else "name"


def _message(error: dict[str, Any]) -> str:
    if error["type"] == "string_too_short" and error["loc"][:1] == ("name",):
        return "Enter a name."
    if error["type"] == "too_short" and error["loc"][:1] == ("integration_ids",):
        return "Choose at least one integration."
    if error["type"] in ("int_parsing", "int_type"):
        return "Enter a whole number."
    return capitalised(str(error["msg"]).removeprefix("Value error, "))


def _integrations(tenant_id: str) -> list[Integration]:
    return integrations.page(stores(), tenant_id, 100, None).items


def _form_page(session: Session, form: TriggerForm, trigger: Trigger | None = None,
               status_code: int = 200, backtest: TriggerPreview | None = None) -> Response:
    return session.render("trigger_form.html", status_code, form=form, trigger=trigger, kinds=KINDS,
                          metrics=METRICS, intervals=INTERVALS, filters=FILTERS,
                          integrations=_integrations(session.tenant_id), backtest=backtest)


@page(bp, "GET", "/console/triggers")
def triggers(session: Session) -> Response:
    params = web.query(bp.current_request)
    listed = service.page(session.tenant_id, PAGE_SIZE, params.get("cursor") or None)
    names = {integration.id: integration.name for integration in _integrations(session.tenant_id)}
    return session.render("triggers.html", triggers=listed.items, next_cursor=listed.next_cursor, names=names,
                          notice=NOTICES.get(params.get("notice") or ""))


@page(bp, "GET", "/console/triggers/new", admin=True)
def new_trigger(session: Session) -> Response:
    return _form_page(session, TriggerForm())


def _submit(session: Session, draft: TriggerForm, trigger: Trigger | None,
            act: Callable[[TriggerCreate], Response]) -> Response:
    """``act`` on the trigger the form describes, or the form again with each refusal next to its field."""
    data = draft.validated()
    if data is None:
        return _form_page(session, draft, trigger, 422)
    try:
        return act(data)
    except AppError as error:
        if error.status not in (404, 409, 422) or not draft.refused(error):  # 404 with details: a chosen
            raise                                                            # integration was deleted meanwhile
        return _form_page(session, draft, trigger, error.status)


def _save(session: Session, draft: TriggerForm, trigger: Trigger | None) -> Response:
    def save(data: TriggerCreate) -> Response:
        if trigger is None:
            service.create(session.tenant_id, data)
        else:
            service.update(session.tenant_id, trigger.id, TriggerUpdate(
                name=data.name, comment=data.comment or "", active=data.active,
                integration_ids=data.integration_ids, condition=data.condition))
        return web.redirect(web.url("/triggers", notice="saved" if trigger else "created"))

    return _submit(session, draft, trigger, save)


def _backtest(session: Session, draft: TriggerForm, trigger: Trigger | None) -> Response:
    """The form as typed, unsaved, with its backtest beside it."""
    return _submit(session, draft, trigger, lambda data: _form_page(
        session, draft, trigger, backtest=service.preview(session.tenant_id, data)))


@page(bp, "POST", "/console/triggers", admin=True)
def create_trigger(session: Session, form: dict[str, list[str]]) -> Response:
    return _save(session, TriggerForm.parse(form), None)


@page(bp, "POST", "/console/triggers/preview", admin=True)
def preview_new_trigger(session: Session, form: dict[str, list[str]]) -> Response:
    return _backtest(session, TriggerForm.parse(form), None)


@page(bp, "POST", "/console/triggers/{trigger_id}/preview", admin=True)
def preview_trigger(session: Session, form: dict[str, list[str]], trigger_id: str) -> Response:
    return _backtest(session, TriggerForm.parse(form), service.get(session.tenant_id, trigger_id))


@page(bp, "GET", "/console/triggers/{trigger_id}")
def trigger(session: Session, trigger_id: str) -> Response:
    current = service.get(session.tenant_id, trigger_id)
    return _form_page(session, TriggerForm.of(current), current)


@page(bp, "POST", "/console/triggers/{trigger_id}", admin=True)
def save_trigger(session: Session, form: dict[str, list[str]], trigger_id: str) -> Response:
    return _save(session, TriggerForm.parse(form), service.get(session.tenant_id, trigger_id))


@page(bp, "GET", "/console/triggers/{trigger_id}/delete", admin=True)
def confirm_delete_trigger(session: Session, trigger_id: str) -> Response:
    return session.render("confirm_delete_trigger.html", trigger=service.get(session.tenant_id, trigger_id))


@page(bp, "POST", "/console/triggers/{trigger_id}/delete", admin=True)
def delete_trigger(session: Session, form: dict[str, list[str]], trigger_id: str) -> Response:
    service.delete(session.tenant_id, trigger_id)
    return web.redirect(web.url("/triggers", notice="deleted"))
