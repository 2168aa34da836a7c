"""Attack and vulnerability types in words: the one table mails, alerts and reports read.

Codes are the platform's (Wallarm's attack and vulnerability type codes); each has a name a reader knows,
its CWE, its OWASP Top 10 (2021) category, its OWASP API Security Top 10 (2023) category only where one truly
fits, and one line on what to do. The API Top 10 2023 has no injection category, so injections (and path
traversal, open redirect, CSRF) have none there rather than a misleading API8; scanning is an activity, not a
weakness, so it has no category in either list. An unknown code is described from its code, never dropped.
"""

from functools import lru_cache
from typing import NamedTuple


class TypeInfo(NamedTuple):
    """One attack or vulnerability type as a reader sees it."""

    code: str
    name: str
    cwe: str | None = None
    owasp: str | None = None
    owasp_api: str | None = None
    remediation: str | None = None

    @property
    def category(self) -> str:
        """``CWE-89 · A03:2021 Injection`` (what is known), or an empty string."""
        return " · ".join(part for part in (self.cwe, self.owasp) if part)


A01, A02, A03 = "A01:2021 Broken Access Control", "A02:2021 Cryptographic Failures", "A03:2021 Injection"
A04, A05 = "A04:2021 Insecure Design", "A05:2021 Security Misconfiguration"
A06 = "A06:2021 Vulnerable and Outdated Components"
A07 = "A07:2021 Identification and Authentication Failures"
A08, A10 = "A08:2021 Software and Data Integrity Failures", "A10:2021 Server-Side Request Forgery"

TOP_10: tuple[str, ...] = (A01, A02, A03, A04, A05, A06, A07, A08,
                           "A09:2021 Security Logging and Monitoring Failures", A10)
API_TOP_10: tuple[str, ...] = (
    "API1:2023 Broken Object Level Authorization",
    "API2:2023 Broken Authentication",
    "API3:2023 Broken Object Property Level Authorization",
    "API4:2023 Unrestricted Resource Consumption",
    "API5:2023 Broken Function Level Authorization",
    "API6:2023 Unrestricted Access to Sensitive Business Flows",
    "API7:2023 Server Side Request Forgery",
    "API8:2023 Security Misconfiguration",
    "API9:2023 Improper Inventory Management",
    "API10:2023 Unsafe Consumption of APIs",
)
API1, API2, API3, API4, API5, API6, API7, API8, API9, API10 = API_TOP_10

_INJECTION_FIX = "validate input against an allow-list and "
_TYPES: tuple[TypeInfo, ...] = (
    TypeInfo("sqli", "SQL injection", "CWE-89", A03, None,
             "Use parameterised queries (prepared statements) for every database call; never build SQL from input."),
    TypeInfo("nosqli", "NoSQL injection", "CWE-943", A03, None,
             "Pass input to the database as typed values, never as query operators; reject objects where a string "
             "is expected."),
    TypeInfo("xss", "Cross-site scripting", "CWE-79", A03, None,
             "Encode output for its context (HTML, attribute, JavaScript) and set a strict Content-Security-Policy."),
    TypeInfo("rce", "Remote code execution", "CWE-94", A03, None,
             "Never pass input to a shell, interpreter or eval; " + _INJECTION_FIX + "patch the component."),
    TypeInfo("cmdi", "OS command injection", "CWE-78", A03, None,
             "Call programs without a shell and with fixed arguments; " + _INJECTION_FIX + "escape what remains."),
    TypeInfo("ptrav", "Path traversal", "CWE-22", A01, None,
             "Resolve paths and check they stay inside the allowed directory; map ids to files instead of names."),
    TypeInfo("lfi", "Local file inclusion", "CWE-98", A03, None,
             "Include only files from a fixed list; never build an include path from input."),
    TypeInfo("crlf", "CRLF injection", "CWE-93", A03, None,
             "Reject carriage returns and line feeds in values written to headers or logs."),
    TypeInfo("redir", "Open redirect", "CWE-601", A01, None,
             "Redirect only to relative paths or an allow-list of hosts."),
    TypeInfo("ldapi", "LDAP injection", "CWE-90", A03, None,
             "Escape LDAP filter and DN values, or use the library's parameterised search."),
    TypeInfo("xxe", "XML external entity", "CWE-611", A05, API8,
             "Disable external entities and DTDs in every XML parser."),
    TypeInfo("ssrf", "Server-side request forgery", "CWE-918", A10, API7,
             "Fetch only allow-listed hosts; block internal and metadata addresses; do not follow redirects blindly."),
    TypeInfo("ssti", "Server-side template injection", "CWE-1336", A03, None,
             "Never render input as a template; pass it as data to a sandboxed template."),
    TypeInfo("ssi", "Server-side include injection", "CWE-97", A03, None,
             "Turn server-side includes off, or escape input before it reaches an SSI-processed page."),
    TypeInfo("mail_injection", "Mail header injection", "CWE-93", A03, None,
             "Reject line breaks in values that become mail headers; use the mail library's header API."),
    TypeInfo("csrf", "Cross-site request forgery", "CWE-352", A01, None,
             "Require an anti-CSRF token or SameSite cookies on every state-changing request."),
    TypeInfo("bola", "Broken object level authorization", "CWE-639", A01, API1,
             "Check on every request that the caller may access the object the id names."),
    TypeInfo("mass_assignment", "Mass assignment", "CWE-915", A08, API3,
             "Bind requests to an explicit allow-list of writable fields."),
    TypeInfo("infoleak", "Information exposure", "CWE-200", A01, API3,
             "Return only the fields the caller needs; turn off stack traces and version banners."),
    TypeInfo("info", "Information disclosure", "CWE-497", A05, API8,
             "Remove version banners, debug pages and verbose error messages from responses."),
    TypeInfo("weak_auth", "Weak authentication", "CWE-287", A07, API2,
             "Enforce strong credentials, multi-factor authentication and short-lived tokens."),
    TypeInfo("jwt", "Weak JSON Web Token", "CWE-347", A02, API2,
             "Verify JWT signatures with a fixed algorithm and strong key; reject 'none' and expired tokens."),
    TypeInfo("brute", "Brute force", "CWE-307", A07, API2,
             "Limit login attempts per account and source; add multi-factor authentication."),
    TypeInfo("account_takeover", "Account takeover", "CWE-307", A07, API2,
             "Rate-limit credential checks, detect credential stuffing and require multi-factor authentication."),
    TypeInfo("dirbust", "Forced browsing", "CWE-425", A01, API9,
             "Remove unused and debug endpoints; require authorization on every path."),
    TypeInfo("scanner", "Vulnerability scanning", "CWE-200", None, None,
             "Keep an inventory of exposed endpoints and block or rate-limit scanner sources."),
    TypeInfo("overlimit_res", "Resource overlimit", "CWE-400", A04, API4,
             "Limit request size, rate and processing time per client."),
    TypeInfo("data_bomb", "Data bomb", "CWE-409", A04, API4,
             "Limit decompressed size and nesting depth when parsing input."),
    TypeInfo("invalid_xml", "Invalid XML", "CWE-776", A05, API4,
             "Parse XML with entity expansion and size limits."),
    TypeInfo("gql_depth", "GraphQL query depth abuse", "CWE-770", A04, API4,
             "Limit GraphQL query depth, aliases and cost."),
    TypeInfo("api_abuse", "API abuse by bots", "CWE-799", A04, API6,
             "Detect automation on sensitive business flows and rate-limit or challenge it."),
    TypeInfo("scraping", "Scraping", "CWE-799", A04, API6,
             "Rate-limit and challenge bulk reads of business data."),
    TypeInfo("vuln_component", "Vulnerable component", "CWE-1104", A06, None,
             "Upgrade the component to a fixed version and track dependencies with a software bill of materials."),
    TypeInfo("vpatch", "Virtual patch match", None, None, None,
             "A request matched a virtual patch: fix the underlying vulnerability in code."),
)


@lru_cache(maxsize=1)
def _by_code() -> dict[str, TypeInfo]:
    return {info.code: info for info in _TYPES}


def describe(code: str | None) -> TypeInfo:
    """The table's entry for ``code`` (case-insensitive), or one named after the code itself."""
    raw = (code or "").strip()
    known = _by_code().get(raw.lower())
    if known is not None:
        return known
    name = raw.replace("_", " ").strip()
    return TypeInfo(raw, name[:1].upper() + name[1:] if name else "Unknown type")


def country_name(code: str | None) -> str:
    """``Germany (DE)`` for an ISO 3166-1 alpha-2 code; the code itself if unknown; empty for none."""
    if not code:
        return ""
    if code == "internal":  # models.security.INTERNAL: a private or loopback source address
        return "Internal addresses (private, loopback)"
    from iso3166 import countries  # builds its table on import: only when a country is shown

    known = countries.get(code, None)
    return f"{known.apolitical_name} ({known.alpha2})" if known and len(code) == 2 else code


def codes() -> tuple[str, ...]:
    """Every code the table knows."""
    return tuple(_by_code())


def number(value: int) -> str:
    """One number format for every mail and console page: ``5,000``."""
    return f"{value:,}"


def quantity(value: int, noun: str, plural: str | None = None) -> str:
    """``1 incident``, ``5,000 attacks``: the number and the noun in the form it takes."""
    return f"{number(value)} {noun if value == 1 else plural or noun + 's'}"


def joined(names: list[str]) -> str:
    """``SQL injection``, ``SQL injection and XSS``, ``A, B and C``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
