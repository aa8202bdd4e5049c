"""Stance models: what a piece of evidence says about a claim (entails, contradicts, neutral)."""

from .loader import DEFAULT_STANCE_DIR, load_stance_model, stance_model_folder

__all__ = ["DEFAULT_STANCE_DIR", "load_stance_model", "stance_model_folder"]
