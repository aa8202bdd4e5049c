"""The verification library: retrieval, stance models, verdict rule, calibration, evaluation.

It knows nothing of Dramatiq or Falcon; workers and command-line tools call into it.
"""
