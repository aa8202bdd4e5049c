"""A self-contained HTML page that fetches ``/openapi.json`` and renders it; it loads nothing from elsewhere."""

from __future__ import annotations

from importlib import resources

#: The page's Content-Security-Policy: its own inline script and style, and requests to this server only.
DOCS_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

#: The page itself, shipped as package data beside this module.
DOCS_HTML = (resources.files(__package__) / "docs_page.html").read_text(encoding="utf-8")
