"""The one exception root of TruthGraph and its branches."""

from __future__ import annotations


class TruthGraphError(Exception):
    """Base class for every error TruthGraph raises on purpose."""


class TemporaryError(TruthGraphError):
    """A failure that may pass if the same work is tried again later (retried)."""


class PermanentError(TruthGraphError):
    """A failure that trying again cannot mend (the task fails at once)."""


class InvalidInput(PermanentError):
    """Input that breaks a documented rule.

    Attributes:
      field: the name of the offending field, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ServiceUnavailable(TemporaryError):
    """A backing service (RabbitMQ, Redis) does not answer.

    Attributes:
      service: which service, e.g. ``"rabbitmq"`` or ``"redis"``.
    """

    def __init__(self, service: str, message: str) -> None:
        super().__init__(f"{service}: {message}")
        self.service = service


class CorpusNotFound(PermanentError):
    """A named corpus does not exist in the evidence store."""

    def __init__(self, name: str) -> None:
        super().__init__(f"corpus {name!r} does not exist")
        self.name = name


class ModelLoadError(PermanentError):
    """A stance or embedding model could not be loaded from its folder."""
