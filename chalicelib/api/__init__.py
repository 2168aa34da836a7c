"""HTTP API: one Chalice blueprint per resource, routed through :mod:`chalicelib.api.routing`."""
