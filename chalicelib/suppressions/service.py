"""Suppressed addresses get no mail until an admin removes them; integrations show which of theirs are."""

from urllib.parse import unquote

from chalicelib.aws import suppressions_repo
from chalicelib.errors import NotFound
from chalicelib.models.common import PageQuery
from chalicelib.models.integrations import Integration
from chalicelib.models.suppressions import Suppression, SuppressionPage
from chalicelib.observability import count, logger

ALL_SUPPRESSED = ("every address of this integration is on the suppression list (hard bounce or complaint), "
                  "so nothing is sent; remove the suppressions or change the addresses")
NO_RECIPIENTS = ("this integration has no recipients left (they unsubscribed or were removed), so nothing is sent; "
                 "add an address")
NOT_LISTED = "this address is not on the suppression list"


def listed(addresses: list[str]) -> str:
    """How a send (a delivery's try, Test integration) names the addresses it left out."""
    return f"on the suppression list (hard bounce or complaint): {', '.join(addresses)}"


def add(tenant_id: str, suppression: Suppression) -> None:
    suppressions_repo.put(tenant_id, suppression)
    count("AddressesSuppressed")
    logger.warning("address suppressed", extra={"reason": suppression.reason, "detail": suppression.detail})


def get(tenant_id: str, email: str) -> Suppression:
    """The address's entry; 404 if it is not on the list.

    ``email`` is a URL path part: API Gateway's REST APIs (Chalice's) and Chalice's local server pass path
    parameters on still percent-encoded, so it is decoded once, here (``a%25b@x`` is ``a%b@x``)."""
    found = suppressions_repo.get(tenant_id, unquote(email))
    if found is None:
        raise NotFound(NOT_LISTED)
    return found


def page(tenant_id: str, query: PageQuery) -> SuppressionPage:
    items, next_cursor = suppressions_repo.page(tenant_id, query.limit, query.cursor)
    return SuppressionPage(items=items, next_cursor=next_cursor)


def remove(tenant_id: str, email: str) -> None:
    """Take an address off the list (it gets mail again; ``email`` as for :func:`get`); 404 if it was not on it."""
    if not suppressions_repo.delete(tenant_id, unquote(email)):
        raise NotFound(NOT_LISTED)


def split(tenant_id: str, recipients: list[str]) -> tuple[list[str], list[str]]:
    """``(allowed, suppressed)``, each in the order given."""
    suppressed = suppressions_repo.keys(tenant_id)
    if not suppressed:
        return recipients, []
    return ([a for a in recipients if suppressions_repo.key(a) not in suppressed],
            [a for a in recipients if suppressions_repo.key(a) in suppressed])


def _flag(integration: Integration, suppressed: set[str]) -> Integration:
    hit = [a for a in integration.emails if suppressions_repo.key(a) in suppressed]
    warning = (NO_RECIPIENTS if not integration.emails
               else ALL_SUPPRESSED if hit and len(hit) == len(integration.emails) else None)
    return integration.model_copy(update={"suppressed_addresses": hit, "warning": warning})


def flag(integration: Integration) -> Integration:
    """The integration with ``suppressed_addresses`` and, when none of its addresses can get mail, ``warning``."""
    return _flag(integration, suppressions_repo.keys(integration.tenant_id))


def flag_all(tenant_id: str, integrations: list[Integration]) -> list[Integration]:
    suppressed = suppressions_repo.keys(tenant_id) if integrations else set()
    return [_flag(integration, suppressed) for integration in integrations]
