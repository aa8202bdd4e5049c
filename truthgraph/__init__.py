"""TruthGraph: verify factual claims against an evidence corpus."""

__version__ = "0.1.0"
