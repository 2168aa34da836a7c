"""Chalice app: wires the blueprints and event-source handlers, nothing else."""

from chalice import Chalice, ConvertToMiddleware

from chalicelib.api import integrations, openapi, tenants
from chalicelib.api.routing import normalise_framework_errors
from chalicelib.observability import logger

app = Chalice(app_name="email-report")
app.register_middleware(ConvertToMiddleware(logger.inject_lambda_context))
app.register_middleware(normalise_framework_errors, "http")

app.register_blueprint(tenants.bp)
app.register_blueprint(integrations.bp)
app.register_blueprint(openapi.bp)
