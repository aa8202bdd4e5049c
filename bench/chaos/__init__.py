"""The fault campaign: the real service on its own RabbitMQ and Redis, claims submitted while faults hit it.

Run it as ``python bench/chaos.py`` (see :mod:`bench.chaos.cli` for the options).
"""
