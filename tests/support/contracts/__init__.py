"""Contract suites: what every implementation of a store (``chalicelib.stores``) keeps, as test classes that read a
``stores`` fixture. tests/unit/test_store_contracts.py runs them on the in-memory fakes, and
tests/scenario/test_store_contracts.py on DynamoDB (moto), so the fakes the decision tests use behave as the
tables do."""
