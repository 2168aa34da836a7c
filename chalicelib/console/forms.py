"""The Email report form: the seed's groups (report frequencies, System related, Vulnerabilities by
risk, Scope) to and from an integration's event list, validated by the API's own models. Every subscribable event
type is a checkbox, so a save never drops one the form did not show."""

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from chalicelib.errors import AppError
from chalicelib.models.events import REPORT_EVENTS, VULN_EVENTS
from chalicelib.models.integrations import Integration, IntegrationCreate

FREQUENCIES = ("none", "daily", "weekly", "monthly")
VULN_LEVELS = (("vuln_high", "High risk"), ("vuln_medium", "Medium risk"), ("vuln_low", "Low risk"))
# The integration fields the form shows: a save changes these and nothing else.
FIELDS = ("name", "emails", "events", "notifications", "attach_data", "sla_reminders", "report_hour",
          "quiet_hours")
PASSWORD = "pdf_password"  # write-only: never shown, changed only when typed or removed (not in FIELDS)
_FRIENDLY = {"string_too_short": "Enter a name.", "missing": "This field is required."}


@dataclass
class IntegrationForm:
    """What the form shows and what was typed; ``errors`` maps a field to its message."""

    name: str = ""
    emails: str = ""
    reports: list[str] = field(default_factory=list)
    system: bool = False
    vulns: list[str] = field(default_factory=lambda: list(VULN_EVENTS))
    scope: bool = False
    notifications: str = "instant"
    attach_data: bool = False
    sla_reminders: bool = False
    report_hour: int | str = 0  # as typed when not a number, for the model's own error
    quiet_start: str = ""  # both empty: no quiet hours
    quiet_end: str = ""
    pdf_password: str = field(default="", repr=False)  # as typed in this request only: a page never shows it
    remove_password: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, integration: Integration) -> "IntegrationForm":
        return cls(name=integration.name, emails=", ".join(integration.emails),
                   reports=[event for event in REPORT_EVENTS if event in integration.events],
                   system="system" in integration.events,
                   vulns=[event for event in VULN_EVENTS if event in integration.events],
                   scope="scope" in integration.events, notifications=integration.notifications,
                   attach_data=integration.attach_data, sla_reminders=integration.sla_reminders,
                   report_hour=integration.report_hour,
                   quiet_start=integration.quiet_hours.start if integration.quiet_hours else "",
                   quiet_end=integration.quiet_hours.end if integration.quiet_hours else "")

    @classmethod
    def parse(cls, form: dict[str, list[str]]) -> "IntegrationForm":
        events = form.get("events", [])
        return cls(name=(form.get("name") or [""])[0], emails=(form.get("emails") or [""])[0],
                   reports=[event for event in REPORT_EVENTS if event in events], system="system" in events,
                   vulns=[event for event in VULN_EVENTS if event in events], scope="scope" in events,
                   notifications=(form.get("notifications") or ["instant"])[0],
                   attach_data="attach_data" in form.get("options", []),
                   sla_reminders="sla_reminders" in form.get("options", []),
                   report_hour=_number((form.get("report_hour") or ["0"])[0]),
                   quiet_start=(form.get("quiet_start") or [""])[0].strip(),
                   quiet_end=(form.get("quiet_end") or [""])[0].strip(),
                   pdf_password=(form.get(PASSWORD) or [""])[0],
                   remove_password="remove_password" in form.get("options", []))

    def events(self) -> list[str]:
        chosen = self.reports + (["system"] if self.system else [])
        return chosen + self.vulns + (["scope"] if self.scope else [])

    def quiet_hours(self) -> dict[str, str] | None:
        return {"start": self.quiet_start, "end": self.quiet_end} if self.quiet_start or self.quiet_end else None

    def validated(self) -> IntegrationCreate | None:
        """The integration the form describes, or ``None`` with ``errors`` filled in."""
        self.errors = {}
        try:
            data = IntegrationCreate.model_validate({"name": self.name, "emails": self.emails,
                                                     "events": self.events(), "notifications": self.notifications,
                                                     "attach_data": self.attach_data,
                                                     "sla_reminders": self.sla_reminders,
                                                     "report_hour": self.report_hour,
                                                     "quiet_hours": self.quiet_hours(),
                                                     **({PASSWORD: self.pdf_password} if self.pdf_password else {})})
        except ValidationError as exc:
            for error in exc.errors(include_url=False):  # every rejected address, each with its own message
                name, message = str(error["loc"][0]) if error["loc"] else "name", _message(error)
                said = self.errors.get(name)
                self.errors[name] = message if said is None or message in said else f"{said} {message}"
            return None
        if self.pdf_password and self.remove_password:
            self.errors[PASSWORD] = "Type a new password or remove the protection, not both."
        return None if self.errors else data

    def changes(self, data: IntegrationCreate) -> dict[str, Any]:
        """What a save of an existing integration writes: the fields the form shows, so anything set elsewhere (the
        API) stays as it is; the PDF password only when one was typed (a new one) or its removal ticked."""
        password = {PASSWORD: data.pdf_password} if data.pdf_password else {PASSWORD: None} if self.remove_password \
            else {}
        return data.model_dump(include=set(FIELDS)) | password

    def refused(self, error: AppError) -> bool:
        """Show the service's answer next to its field; ``False`` when it concerns no field of the form."""
        for detail in error.details:
            name = str(detail.get("path", "")).split(".")[0]
            if name in FIELDS or name == PASSWORD:
                said = error.message if error.status == 409 else str(detail.get("message") or error.message)
                self.errors.setdefault(name, capitalised(said))
        return bool(self.errors)


def _number(typed: str) -> int | str:
    return int(typed) if typed.strip().isdecimal() else typed


def _message(error: dict[str, Any]) -> str:
    if error["type"] in _FRIENDLY:
        return _FRIENDLY[error["type"]]
    return capitalised(str(error["msg"]).removeprefix("Value error, "))


def capitalised(message: str) -> str:
    return message[:1].upper() + message[1:]
