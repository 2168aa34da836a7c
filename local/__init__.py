"""The local stack: moto's server, resource bootstrap, pollers and schedules."""
