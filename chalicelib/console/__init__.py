"""The web console under ``/console``: server-rendered jinja2 pages over the service's own use cases."""
