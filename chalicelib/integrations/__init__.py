"""Email integrations: the per-tenant channels that reports and notifications go to."""
