"""Training and export of TruthGraph's models; the only place torch, transformers and sentence-transformers are used."""
