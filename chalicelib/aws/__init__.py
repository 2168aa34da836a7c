"""Adapters over boto3: one small module per AWS resource the service uses."""
