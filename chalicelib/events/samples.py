"""Sample events for Test integration: one per subscribable notification kind."""

from datetime import datetime
from typing import Any

from chalicelib.models import Event

_SAMPLES: dict[str, tuple[str, dict[str, Any]]] = {
    "system": ("user.created", {"email": "new.user@example.com", "name": "New User", "role": "analyst"}),
    "vuln_high": ("vulnerability.detected", {"risk": "high", "title": "SQL injection in /login",
                                             "host": "api.example.com", "path": "/login", "method": "POST",
                                             "parameter": "username", "type": "sqli"}),
    "vuln_medium": ("vulnerability.detected", {"risk": "medium", "title": "Reflected XSS in /search",
                                               "host": "www.example.com", "path": "/search", "parameter": "q",
                                               "type": "xss"}),
    "vuln_low": ("vulnerability.detected", {"risk": "low", "title": "Server version disclosed",
                                            "host": "www.example.com", "type": "info"}),
    "scope": ("scope.changed", {"changes": [{"kind": "host", "action": "added", "value": "staging.example.com"},
                                            {"kind": "service", "action": "removed", "value": "10.0.0.7:8080"}]}),
}
KINDS: tuple[str, ...] = tuple(_SAMPLES)


def sample(kind: str, at: datetime) -> Event:
    event_type, data = _SAMPLES[kind]
    return Event(id=f"test-{kind}", type=event_type, time=at, data=data)
