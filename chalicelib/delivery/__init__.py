"""Delivery: the retry schedule, the delivery worker, failure ratios and auto-disable."""
