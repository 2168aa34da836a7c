"""Tenants (company accounts) and their API tokens."""
