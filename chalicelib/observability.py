"""Powertools Logger, Metrics and Tracer, created once for every handler."""

from aws_lambda_powertools import Logger, Metrics

SERVICE = "email-report"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="EmailReport", service=SERVICE)
