"""Background work on Dramatiq: broker factory, middleware, actors.

Importing this package has no side effects; the worker entry module
:mod:`truthgraph.actors.worker` is the only place that sets the global broker.
"""
