"""The OpenAPI 3.1 document of the API, built from the same limits the validation enforces."""

from __future__ import annotations

from typing import Any

from .. import __version__, limits
from ..db.verdicts import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from ..domain import Label, Stance, TaskState
from .errors import RETRY_AFTER_S
from .validation import MAX_JSON_DEPTH

_JSON = "application/json"
_TASK_ID = "3f2b8a4e-1c9d-4e7a-9b55-0d6c2f1e8a77"
_CREATED = "2025-01-15T10:00:00.000Z"


def build_openapi(*, max_body_bytes: int, max_upload_bytes: int) -> dict[str, Any]:
    """The whole OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "TruthGraph API",
            "version": __version__,
            "description": (
                "Submit a claim, follow its task, read its verdict (SUPPORTED, REFUTED or NOT_ENOUGH_INFO) with "
                "a calibrated confidence and the evidence that decided it. Work runs in the background: "
                "submitting answers 202 and the task's URL in Location. Every error is JSON "
                '`{"title", "description"}`, plus `"field"` when a field broke a rule (422). '
                f"JSON request bodies may be at most {max_body_bytes} bytes (uploads {max_upload_bytes}) "
                f"and nest at most {MAX_JSON_DEPTH} levels. Every route but health, readiness and this description "
                "needs an API key (`Authorization: Bearer <key>`, scopes verify, read, corpus:write, admin); answers "
                "carry the key's `RateLimit-*` headers."
            ),
        },
        "tags": [
            {"name": "claims", "description": "Verify claims and read verdicts."},
            {"name": "tasks", "description": "Follow background tasks."},
            {"name": "corpora", "description": "Add documents to evidence corpora."},
            {"name": "operations", "description": "Health, readiness, queue statistics and this description."},
        ],
        "paths": _guarded(_paths()),
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key, `tg_<id>_<secret>`, made with `truthgraph keys create`.",
                }
            },
            "schemas": _schemas(),
            "parameters": _parameters(),
            "responses": _responses(max_body_bytes),
            "headers": {
                "Location": {"description": "The task's status URL.", "schema": {"type": "string"}},
                "Retry-After": {
                    "description": "Seconds to wait before trying again.",
                    "schema": {"type": "integer", "example": RETRY_AFTER_S},
                },
            },
        },
    }


#: The paths anyone may read, without a key.
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/openapi.json", "/docs"})


def _guarded(paths: dict[str, Any]) -> dict[str, Any]:
    """The paths with their security: open ones need no key; the others answer 401, 403 and 429 too."""
    for path, item in paths.items():
        for operation in item.values():
            if path in OPEN_PATHS:
                operation["security"] = []
            else:
                operation["responses"].update(
                    {str(code): _ref("responses", name) for code, name in _AUTH_RESPONSES.items()}
                )
    return paths


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _json(schema: dict[str, Any], example: Any = None) -> dict[str, Any]:
    content: dict[str, Any] = {"schema": schema}
    if example is not None:
        content["example"] = example
    return {_JSON: content}


def _errors(*codes: int) -> dict[str, Any]:
    names = {
        400: "BadRequest",
        404: "NotFound",
        413: "ContentTooLarge",
        415: "UnsupportedMediaType",
        422: "InvalidInput",
        500: "InternalError",
        503: "ServiceUnavailable",
    }
    return {str(code): _ref("responses", names[code]) for code in (*codes, 500)}


def _task_example(status: str = "pending", **fields: Any) -> dict[str, Any]:
    example = {
        "task_id": _TASK_ID,
        "task_type": "verify",
        "status": status,
        "claim_id": "claim-42",
        "corpus": None,
        "progress_percentage": 0,
        "stage": None,
        "created_at": _CREATED,
        "started_at": None,
        "completed_at": None,
        "retry_count": 0,
        "result": None,
        "error": None,
    }
    example.update(fields)
    return example


def _accepted(description: str, example: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {"Location": _ref("headers", "Location")},
        "content": _json(_ref("schemas", "TaskStatus"), example),
    }


_VERDICT_EXAMPLE = {
    "claim_id": "claim-42",
    "task_id": _TASK_ID,
    "claim_text": "The Eiffel Tower is in Paris.",
    "verdict": "SUPPORTED",
    "confidence": 0.7944,
    "probabilities": {"SUPPORTED": 0.7944, "REFUTED": 0.1371, "NOT_ENOUGH_INFO": 0.0685},
    "evidence": [
        {
            "passage_id": "Eiffel Tower",
            "source": "wikipedia",
            "title": "Eiffel Tower",
            "text": "The Eiffel Tower is a lattice tower on the Champ de Mars in Paris, France.",
            "retrieval_score": 0.0246,
            "stance": "entails",
            "stance_probabilities": {"entails": 0.8829, "contradicts": 0.0526, "neutral": 0.0645},
        }
    ],
    "timings_ms": {"retrieval": 9.6, "stance": 177.9, "aggregation": 0.4, "total": 188.2},
    "model": "mpnet-stance-v1",
    "verified_at": "2026-12-01T04:41:07.212Z",
}


def _paths() -> dict[str, Any]:
    return {
        "/api/v1/claims/{claim_id}/verify": {
            "post": {
                "tags": ["claims"],
                "operationId": "verifyClaim",
                "summary": "Queue a claim for verification",
                "description": "Validates the claim, records a pending task and hands it to the broker. "
                "Answers 503 (never 202) when the broker or the status store cannot take it.",
                "parameters": [_ref("parameters", "ClaimId")],
                "requestBody": {
                    "required": True,
                    "content": _json(
                        _ref("schemas", "VerifyRequest"),
                        {
                            "claim_text": "The Eiffel Tower is in Paris.",
                            "options": {"corpus_ids": ["wikipedia"], "top_k": 5},
                        },
                    ),
                },
                "responses": {
                    "202": _accepted("The task was queued.", _task_example()),
                    **_errors(400, 413, 415, 422, 503),
                },
            }
        },
        "/api/v1/tasks/{task_id}": {
            "get": {
                "tags": ["tasks"],
                "operationId": "getTask",
                "summary": "Read a task's status",
                "parameters": [_ref("parameters", "TaskId")],
                "responses": {
                    "200": {
                        "description": "The task's status; `result` is set once it completed, `error` once it failed.",
                        "content": _json(
                            _ref("schemas", "TaskStatus"),
                            _task_example("processing", progress_percentage=40, stage="stance", started_at=_CREATED),
                        ),
                    },
                    **_errors(404, 422, 503),
                },
            }
        },
        "/api/v1/verdicts/{claim_id}": {
            "get": {
                "tags": ["claims"],
                "operationId": "getVerdict",
                "summary": "Read the latest verdict of a claim",
                "description": "200 with the verdict of the latest completed verification, read from the verdict "
                "history (kept for good, whatever the task records' TTL); 202 with the task's status while the "
                "latest task is pending or processing; 404 when the claim has no verdict yet: never submitted, or "
                "its only verifications failed (the description then gives the error and the task URL).",
                "parameters": [_ref("parameters", "ClaimId")],
                "responses": {
                    "200": {
                        "description": "The verdict.",
                        "content": _json(_ref("schemas", "Verdict"), _VERDICT_EXAMPLE),
                    },
                    "202": _accepted("The verification is still running.", _task_example("processing")),
                    **_errors(404, 422, 503),
                },
            }
        },
        "/api/v1/claims/{claim_id}/verdicts": {
            "get": {
                "tags": ["claims"],
                "operationId": "listVerdicts",
                "summary": "Page through a claim's verdict history, newest first",
                "description": "Every completed verification of the claim, once each, newest first. Pass the "
                "answer's next_cursor as cursor for the next page; it is null on the last.",
                "parameters": [
                    _ref("parameters", "ClaimId"),
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "description": "Verdicts per page.",
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE,
                                   "default": DEFAULT_PAGE_SIZE},
                    },
                    {
                        "name": "cursor",
                        "in": "query",
                        "required": False,
                        "description": "The next_cursor of the page before.",
                        "schema": {"type": "string"},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "A page of the claim's verdicts.",
                        "content": _json(
                            {
                                "type": "object",
                                "required": ["claim_id", "verdicts", "next_cursor"],
                                "properties": {
                                    "claim_id": {"type": "string"},
                                    "verdicts": {"type": "array", "items": _ref("schemas", "Verdict")},
                                    "next_cursor": {"type": ["string", "null"]},
                                },
                            },
                            {"claim_id": "claim-42", "verdicts": [_VERDICT_EXAMPLE], "next_cursor": None},
                        ),
                    },
                    **_errors(422, 503),
                },
            }
        },
        "/api/v1/corpora/{name}/documents": {
            "post": {
                "tags": ["corpora"],
                "operationId": "ingestDocuments",
                "summary": "Queue documents for ingestion into a corpus",
                "parameters": [_ref("parameters", "CorpusName")],
                "requestBody": {
                    "required": True,
                    "content": _json(
                        _ref("schemas", "IngestRequest"),
                        {
                            "documents": [
                                {
                                    "id": "doc-1",
                                    "title": "Eiffel Tower",
                                    "text": "The Eiffel Tower is a wrought-iron lattice tower in Paris.",
                                }
                            ]
                        },
                    ),
                },
                "responses": {
                    "202": _accepted(
                        "The ingestion task was queued.",
                        _task_example(task_type="ingest", claim_id=None, corpus="my-corpus"),
                    ),
                    **_errors(400, 413, 415, 422, 503),
                },
            }
        },
        "/api/v1/queue/stats": {
            "get": {
                "tags": ["operations"],
                "operationId": "getQueueStats",
                "summary": "Queue depths, dead letters, consumers and task counts",
                "description": "`ready`, `consumers` and `dead_letters` are counted at the request; `in_flight` is "
                "the broker's management API's latest sample, dated by `in_flight_sampled_at`, and null when that "
                "API does not answer or has not sampled the queue yet.",
                "responses": {
                    "200": {
                        "description": "The statistics.",
                        "content": _json(
                            _ref("schemas", "QueueStats"),
                            {
                                "queues": {
                                    "truthgraph.verify": {
                                        "declared": True,
                                        "ready": 3,
                                        "consumers": 2,
                                        "in_flight": 1,
                                        "in_flight_sampled_at": "2024-05-01T12:00:05.000Z",
                                    }
                                },
                                "dead_letters": 0,
                                "consumers": 2,
                                "tasks_by_status": {"pending": 3, "processing": 1, "completed": 17, "failed": 0},
                            },
                        ),
                    },
                    **_errors(503),
                },
            }
        },
        "/healthz": {
            "get": {
                "tags": ["operations"],
                "operationId": "getHealth",
                "summary": "Liveness: the process answers",
                "responses": {
                    "200": {"description": "Alive.", "content": _json(_ref("schemas", "Health"), {"status": "ok"})}
                },
            }
        },
        "/readyz": {
            "get": {
                "tags": ["operations"],
                "operationId": "getReadiness",
                "summary": "Readiness: RabbitMQ, Redis and the database answer",
                "responses": {
                    "200": {
                        "description": "Ready.",
                        "content": _json(
                            _ref("schemas", "Readiness"),
                            {"status": "ready", "checks": {"rabbitmq": "ok", "redis": "ok"}},
                        ),
                    },
                    "503": {
                        "description": "A backing service does not answer.",
                        "headers": {"Retry-After": _ref("headers", "Retry-After")},
                        "content": _json(
                            _ref("schemas", "NotReady"),
                            {
                                "title": "Service unavailable",
                                "description": "not ready: redis not available",
                                "checks": {"rabbitmq": "ok", "redis": "unavailable"},
                            },
                        ),
                    },
                },
            }
        },
        "/openapi.json": {
            "get": {
                "tags": ["operations"],
                "operationId": "getOpenApi",
                "summary": "This document",
                "responses": {
                    "200": {"description": "The OpenAPI 3.1 document.", "content": _json({"type": "object"})}
                },
            }
        },
        "/docs": {
            "get": {
                "tags": ["operations"],
                "operationId": "getDocs",
                "summary": "A page that renders this document",
                "responses": {
                    "200": {"description": "HTML.", "content": {"text/html": {"schema": {"type": "string"}}}}
                },
            }
        },
    }


def _parameters() -> dict[str, Any]:
    def path(name: str, pattern: str, description: str, example: str) -> dict[str, Any]:
        return {
            "name": name,
            "in": "path",
            "required": True,
            "description": description,
            "schema": {"type": "string", "pattern": f"^{pattern}$"},
            "example": example,
        }

    return {
        "ClaimId": path("claim_id", limits.ID_PATTERN, "Your id for the claim.", "claim-42"),
        "TaskId": path("task_id", limits.ID_PATTERN, "The task id from a 202 answer.", _TASK_ID),
        "CorpusName": path("name", limits.CORPUS_NAME_PATTERN, "The corpus to add documents to.", "my-corpus"),
    }


_AUTH_RESPONSES = {401: "Unauthorized", 403: "Forbidden", 429: "TooManyRequests"}


def _error_response(description: str, example: dict[str, Any], *, retry: bool = False) -> dict[str, Any]:
    schema = "ValidationError" if "field" in example else "Error"
    response: dict[str, Any] = {"description": description, "content": _json(_ref("schemas", schema), example)}
    if retry:
        response["headers"] = {"Retry-After": _ref("headers", "Retry-After")}
    return response


def _responses(max_body_bytes: int) -> dict[str, Any]:
    return {
        "BadRequest": _error_response(
            "The body is not valid UTF-8 JSON, or nests too deep.",
            {
                "title": "Invalid JSON",
                "description": "the request body is not valid JSON: Expecting value: line 1 column 1 (char 0)",
            },
        ),
        "NotFound": _error_response(
            "Nothing at this path, or the record is unknown or expired.",
            {"title": "Task not found", "description": f"task {_TASK_ID} does not exist or its status has expired"},
        ),
        "ContentTooLarge": _error_response(
            "The body exceeds the size limit (checked before it is parsed).",
            {
                "title": "Request body too large",
                "description": f"the request body must be at most {max_body_bytes} bytes",
            },
        ),
        "UnsupportedMediaType": _error_response(
            "The body is not sent as application/json (a charset, if given, must be utf-8).",
            {"title": "Unsupported media type", "description": "the request body must be application/json"},
        ),
        "InvalidInput": _error_response(
            "A field breaks a documented rule; `field` names it.",
            {"title": "Invalid input", "description": "claim_text must not be blank", "field": "claim_text"},
        ),
        "InternalError": _error_response(
            "An unexpected failure; it is logged and nothing about it is disclosed.",
            {
                "title": "Internal server error",
                "description": "The server could not complete the request; the error has been logged.",
            },
        ),
        "Unauthorized": _error_response(
            "No API key, or one that is malformed, unknown, revoked or expired (with WWW-Authenticate: Bearer).",
            {"title": "Unauthorized", "description": "this request needs Authorization: Bearer <API key>"},
        ),
        "Forbidden": _error_response(
            "The key does not hold the scope this request needs (or the corpus is the default one).",
            {"title": "Forbidden", "description": "this key does not hold the 'corpus:write' scope"},
        ),
        "TooManyRequests": _error_response(
            "The key is over its rate limit; try again after Retry-After seconds (RateLimit-* headers say more).",
            {"title": "Too many requests", "description": "this key is over its rate limit; try again in 1 s"},
            retry=True,
        ),
        "ServiceUnavailable": _error_response(
            "RabbitMQ, Redis or the database does not answer; nothing was queued. Try again after Retry-After seconds.",
            {"title": "Service unavailable", "description": "rabbitmq is not available; try again later"},
            retry=True,
        ),
    }


def _nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], **extra}


def _schemas() -> dict[str, Any]:
    probabilities = {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1}}
    return {
        "Error": {
            "type": "object",
            "required": ["title", "description"],
            "properties": {"title": {"type": "string"}, "description": {"type": "string"}},
        },
        "ValidationError": {
            "type": "object",
            "required": ["title", "description", "field"],
            "properties": {
                "title": {"type": "string"},
                "description": {"type": "string"},
                "field": {"type": "string", "description": "The offending field, e.g. `options.top_k`."},
            },
        },
        "NotReady": {
            "type": "object",
            "required": ["title", "description", "checks"],
            "properties": {
                "title": {"type": "string"},
                "description": {"type": "string"},
                "checks": {"type": "object", "additionalProperties": {"type": "string", "enum": ["ok", "unavailable"]}},
            },
        },
        "VerifyRequest": {
            "type": "object",
            "required": ["claim_text"],
            "additionalProperties": False,
            "properties": {
                "claim_text": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": limits.MAX_CLAIM_CHARS,
                    "description": "The claim; not blank, no NUL characters or unpaired surrogates.",
                },
                "options": _ref("schemas", "VerifyOptions"),
            },
        },
        "VerifyOptions": {
            "type": "object",
            "additionalProperties": False,
            "description": "Unknown keys are refused (422).",
            "properties": {
                "corpus_ids": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": limits.MAX_CORPORA_PER_CLAIM,
                    "items": {"type": "string", "pattern": f"^{limits.CORPUS_NAME_PATTERN}$"},
                    "description": "The corpora to search; the server's default corpus when absent.",
                },
                "top_k": {
                    "type": "integer",
                    "minimum": limits.MIN_TOP_K,
                    "maximum": limits.MAX_TOP_K,
                    "description": "How many passages to retrieve.",
                },
                "fresh": {
                    "type": "boolean",
                    "default": False,
                    "description": "Verify anew even when the same claim was verified against the same corpus "
                    "generations by the same model (the verdict cache, on by default, would answer it).",
                },
            },
        },
        "TaskStatus": {
            "type": "object",
            "required": ["task_id", "task_type", "status", "progress_percentage", "retry_count"],
            "properties": {
                "task_id": {"type": "string"},
                "task_type": {"type": "string", "enum": ["verify", "ingest"]},
                "status": {"type": "string", "enum": [s.value for s in TaskState]},
                "claim_id": _nullable("string"),
                "corpus": _nullable("string"),
                "progress_percentage": {"type": "integer", "minimum": 0, "maximum": 100},
                "stage": _nullable("string", description="The step a processing task is at."),
                "created_at": _nullable("string", format="date-time"),
                "started_at": _nullable("string", format="date-time"),
                "completed_at": _nullable("string", format="date-time"),
                "retry_count": {"type": "integer", "minimum": 0},
                "result": {"description": "The task's result once completed (a verdict for verify tasks)."},
                "error": _nullable("string", description="Why the task failed."),
            },
        },
        "Evidence": {
            "type": "object",
            "properties": {
                "passage_id": {"type": "string"},
                "source": {"type": "string"},
                "title": {"type": "string"},
                "text": {"type": "string"},
                "retrieval_score": {"type": "number"},
                "stance": {"type": "string", "enum": [s.value for s in Stance]},
                "stance_probabilities": probabilities,
            },
        },
        "Verdict": {
            "type": "object",
            "required": ["claim_id", "task_id", "verdict", "confidence", "evidence", "verified_at"],
            "properties": {
                "claim_id": {"type": "string"},
                "task_id": {"type": "string"},
                "claim_text": {"type": "string"},
                "verdict": {"type": "string", "enum": [label.value for label in Label]},
                "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                "probabilities": probabilities,
                "evidence": {"type": "array", "items": _ref("schemas", "Evidence")},
                "timings_ms": {"type": "object", "additionalProperties": {"type": "number"}},
                "model": {"type": "string"},
                "verified_at": {"type": "string", "format": "date-time"},
            },
        },
        "IngestRequest": {
            "type": "object",
            "required": ["documents"],
            "additionalProperties": False,
            "properties": {
                "documents": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": limits.MAX_DOCUMENTS_PER_UPLOAD,
                    "items": _ref("schemas", "Document"),
                    "description": "Document ids must be unique within one upload.",
                }
            },
        },
        "Document": {
            "type": "object",
            "required": ["id", "title", "text"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "minLength": 1, "maxLength": limits.MAX_DOCUMENT_ID_CHARS},
                "title": {"type": "string", "maxLength": limits.MAX_DOCUMENT_TITLE_CHARS},
                "text": {"type": "string", "minLength": 1, "maxLength": limits.MAX_DOCUMENT_TEXT_CHARS},
            },
        },
        "QueueStats": {
            "type": "object",
            "required": ["queues", "dead_letters", "consumers", "tasks_by_status"],
            "properties": {
                "queues": {
                    "type": "object",
                    "description": "Each work queue with its delay (`.DQ`) and dead-letter (`.XQ`) queue, by name.",
                    "additionalProperties": {
                        "type": "object",
                        "required": ["declared", "ready", "consumers", "in_flight", "in_flight_sampled_at"],
                        "properties": {
                            "declared": {
                                "type": "boolean",
                                "description": "Whether the queue exists; one never declared has 0 ready and "
                                "0 consumers, since nothing was ever sent to it.",
                            },
                            "ready": {"type": "integer", "minimum": 0, "description": "Messages waiting, now."},
                            "consumers": {"type": "integer", "minimum": 0, "description": "Consumers, now."},
                            "in_flight": _nullable(
                                "integer",
                                minimum=0,
                                description="Messages delivered and not yet acknowledged, as of "
                                "`in_flight_sampled_at`; null when unknown.",
                            ),
                            "in_flight_sampled_at": _nullable(
                                "string",
                                format="date-time",
                                description="The time the management API gives its sample (UTC); null with "
                                "`in_flight`.",
                            ),
                        },
                    },
                },
                "dead_letters": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Messages ready in the dead-letter queues, now.",
                },
                "consumers": {"type": "integer", "minimum": 0, "description": "Consumers of the work queues, now."},
                "tasks_by_status": {
                    "type": "object",
                    "properties": {s.value: {"type": "integer"} for s in TaskState},
                },
            },
        },
        "Health": {"type": "object", "properties": {"status": {"type": "string", "enum": ["ok"]}}},
        "Readiness": {
            "type": "object",
            "properties": {
                "status": {"type": "string", "enum": ["ready"]},
                "checks": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
    }
