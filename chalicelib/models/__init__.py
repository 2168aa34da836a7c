"""The service's pydantic models, one module per resource. Nothing is re-exported here: a cold start imports
only the modules its path uses (``from chalicelib.models.tenants import Tenant``)."""
