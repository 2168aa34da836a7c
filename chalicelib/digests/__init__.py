"""Digests: an integration's notifications gathered per hour or day of the tenant's time zone, sent as one mail."""
