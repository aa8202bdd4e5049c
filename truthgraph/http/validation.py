"""Request bodies and path parameters: read them safely and check them against the documented rules.

Transport problems become Falcon errors (400, 411, 413, 415); broken field rules become
:class:`~truthgraph.errors.InvalidInput` (422) naming the field.
"""

from __future__ import annotations

import json
import re
from typing import Any

import falcon

from .. import limits
from ..errors import InvalidInput

#: Deepest accepted nesting of JSON arrays and objects.
MAX_JSON_DEPTH = 32
#: Keys accepted in ``options`` of a verification request.
VERIFY_OPTIONS = ("corpus_ids", "top_k", "fresh")

_READ_CHUNK = 64 * 1024
# A JSON string, escapes included; removed before counting brackets so "[" inside text does not count.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPENERS = frozenset(b"[{")


# --- path parameters -------------------------------------------------------------------------


def check_claim_id(claim_id: str) -> str:
    """Return ``claim_id`` if it matches :data:`~truthgraph.limits.ID_PATTERN`."""
    return limits.check_id(claim_id, "claim_id")


def check_task_id(task_id: str) -> str:
    """Return ``task_id`` if it matches :data:`~truthgraph.limits.ID_PATTERN`."""
    return limits.check_id(task_id, "task_id")


def check_corpus_name(name: str) -> str:
    """Return a corpus name of a path if it matches :data:`~truthgraph.limits.CORPUS_NAME_PATTERN`."""
    return limits.check_corpus_name(name, "name")


# --- the body --------------------------------------------------------------------------------


def read_json_object(req: falcon.Request, *, limit: int) -> dict[str, Any]:
    """Read a JSON object body of at most ``limit`` bytes: media type, size, encoding, depth, syntax."""
    require_json(req)
    return parse_json_object(read_body(req, limit=limit))


def require_json(req: falcon.Request) -> None:
    """Accept ``application/json``, optionally with ``charset=utf-8``; anything else is a 415."""
    if not req.content_type:
        raise _unsupported("the request needs Content-Type: application/json")
    media_type, params = falcon.parse_header(req.content_type)
    if media_type.strip().lower() != falcon.MEDIA_JSON:
        raise _unsupported("the request body must be application/json")
    charset = params.get("charset")
    if charset is not None and charset.strip().lower() not in ("utf-8", "utf8"):
        raise _unsupported("application/json bodies must be encoded as UTF-8")


def read_body(req: falcon.Request, *, limit: int) -> bytes:
    """Read the raw body, refusing (413) as soon as it is known to exceed ``limit`` bytes."""
    length = req.content_length  # an unparsable Content-Length is a 400 from Falcon
    if length is not None:
        if length > limit:
            raise _too_large(limit)
        stream = req.bounded_stream
    elif req.env.get("wsgi.input_terminated"):  # chunked body on a server that marks its end (gunicorn)
        stream = req.stream
    elif "chunked" in (req.get_header("Transfer-Encoding") or "").lower():
        raise falcon.HTTPLengthRequired(
            title="Length required", description="this server needs a Content-Length for request bodies"
        )
    else:
        return b""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(min(_READ_CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > limit:
            raise _too_large(limit)
        chunks.append(chunk)


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """Decode UTF-8 JSON, refusing deep nesting before the parser sees it; the top level must be an object."""
    if not raw.strip():
        raise _bad_json("the request body is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad_json("the request body is not valid UTF-8") from None
    check_json_depth(raw)
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as e:  # JSONDecodeError is a ValueError; so is an over-long integer
        raise _bad_json(f"the request body is not valid JSON: {_clip(str(e), 200)}") from None
    if not isinstance(data, dict):
        raise InvalidInput("the request body must be a JSON object", field="body")
    return data


def check_json_depth(raw: bytes, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Refuse JSON whose arrays and objects nest deeper than ``max_depth``, without parsing it."""
    brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    if brackets.count(b"[") + brackets.count(b"{") <= max_depth:
        return
    depth = 0
    for byte in brackets:
        if byte in _OPENERS:
            depth += 1
            if depth > max_depth:
                raise _bad_json(f"the request body nests arrays and objects deeper than {max_depth} levels")
        else:
            depth -= 1


# --- field rules -----------------------------------------------------------------------------


def parse_verify_request(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The claim text and options of a verification request."""
    _reject_unknown(body, ("claim_text", "options"), prefix="")
    if "claim_text" not in body:
        raise InvalidInput("claim_text is required", field="claim_text")
    claim_text = limits.check_text(body["claim_text"], "claim_text", max_chars=limits.MAX_CLAIM_CHARS)
    return claim_text, parse_verify_options(body.get("options"))


def parse_verify_options(options: Any) -> dict[str, Any]:
    """The options of a verification request; only the keys the client gave."""
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise InvalidInput("options must be an object", field="options")
    _reject_unknown(options, VERIFY_OPTIONS, prefix="options.")
    parsed: dict[str, Any] = {}
    if "corpus_ids" in options:
        parsed["corpus_ids"] = limits.check_corpus_ids(options["corpus_ids"], "options.corpus_ids")
    if "top_k" in options:
        parsed["top_k"] = limits.check_top_k(options["top_k"], "options.top_k")
    if "fresh" in options:
        if not isinstance(options["fresh"], bool):
            raise InvalidInput("options.fresh must be true or false", field="options.fresh")
        parsed["fresh"] = options["fresh"]
    return parsed


def parse_ingest_request(body: dict[str, Any]) -> list[dict[str, str]]:
    """The documents of a corpus upload, each ``{"id", "title", "text"}``, checked by the document rules."""
    _reject_unknown(body, ("documents",), prefix="")
    documents = body.get("documents")
    if not isinstance(documents, list) or not 1 <= len(documents) <= limits.MAX_DOCUMENTS_PER_UPLOAD:
        raise InvalidInput(
            f"documents must be a list of 1 to {limits.MAX_DOCUMENTS_PER_UPLOAD} documents", field="documents"
        )
    for i, document in enumerate(documents):
        if isinstance(document, dict):
            _reject_unknown(document, ("id", "title", "text"), prefix=f"documents[{i}].")
    passages = limits.check_documents(
        ((f"documents[{i}]", document) for i, document in enumerate(documents)),
        field_prefix="{where}.",
        title_required=True,
    )
    return [{"id": p.id, "title": p.title, "text": p.text} for p in passages]


def _reject_unknown(data: dict[str, Any], known: tuple[str, ...], *, prefix: str) -> None:
    for key in data:
        if key not in known:
            name = prefix + _clip(_printable(key), 64)
            raise InvalidInput(f"{name} is not a known field; expected {', '.join(known)}", field=name)


def _printable(text: str) -> str:
    """``text`` with control characters and unpaired surrogates escaped, safe to echo back."""
    return json.dumps(text)[1:-1]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def _bad_json(description: str) -> falcon.HTTPBadRequest:
    return falcon.HTTPBadRequest(title="Invalid JSON", description=description)


def _unsupported(description: str) -> falcon.HTTPUnsupportedMediaType:
    return falcon.HTTPUnsupportedMediaType(title="Unsupported media type", description=description)


def _too_large(limit: int) -> falcon.HTTPContentTooLarge:
    return falcon.HTTPContentTooLarge(
        title="Request body too large", description=f"the request body must be at most {limit} bytes"
    )
