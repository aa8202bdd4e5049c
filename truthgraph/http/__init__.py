"""The HTTP API: a Falcon app that validates requests, hands tasks to the broker and reads their status.

It imports only core modules, Falcon and the task publisher; never the verification library.
"""
