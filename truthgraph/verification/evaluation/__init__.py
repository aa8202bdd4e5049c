"""Evaluation of claim verification: metrics, baselines, and the ``eval`` and ``calibrate`` commands."""
