"""Small resource classes, one concern each; they raise errors and leave the HTTP mapping to ``errors``."""
