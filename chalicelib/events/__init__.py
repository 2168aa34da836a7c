"""Events in: validation, idempotent ingest, routing to subscribed integrations."""
