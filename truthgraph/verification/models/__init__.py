"""Model artifacts shipped with TruthGraph as package data: the stance model and the sentence embedder."""
