"""Sample events for Test integration: one per subscribable notification kind."""

from datetime import datetime
from typing import Any

from chalicelib.models.events import Event

_SAMPLES: dict[str, tuple[str, dict[str, Any]]] = {
    "system": ("user.created", {"email": "new.user@example.com", "name": "New User", "role": "analyst",
                                "actor": "admin@example.com"}),
    "vuln_high": ("vulnerability.detected", {"risk": "high", "title": "SQL injection in the orders API",
                                             "host": "api.example.com", "path": "/v2/orders", "method": "GET",
                                             "parameter": "order_id", "type": "sqli", "id": "sample-high",
                                             "link": "https://platform.example.com/vulnerabilities/sample-high"}),
    "vuln_medium": ("vulnerability.detected", {"risk": "medium", "title": "Reflected XSS in /search",
                                               "host": "www.example.com", "path": "/search", "method": "GET",
                                               "parameter": "q", "type": "xss", "id": "sample-medium",
                                               "link": "https://platform.example.com/vulnerabilities/sample-medium"}),
    "vuln_low": ("vulnerability.detected", {"risk": "low", "title": "Server version disclosed",
                                            "host": "www.example.com", "type": "info", "id": "sample-low",
                                            "link": "https://platform.example.com/vulnerabilities/sample-low"}),
    "scope": ("scope.changed", {"changes": [{"kind": "host", "action": "added", "value": "staging.example.com"},
                                            {"kind": "service", "action": "removed", "value": "10.0.0.7:8080"}]}),
}
KINDS: tuple[str, ...] = tuple(_SAMPLES)


def sample(kind: str, at: datetime) -> Event:
    event_type, data = _SAMPLES[kind]
    return Event(id=f"test-{kind}", type=event_type, time=at, data=data)
