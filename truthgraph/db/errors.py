"""Database errors as TruthGraph's: a database that cannot be reached is a service unavailable (503, a retry)."""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import InterfaceError as SQLInterfaceError

from ..errors import ServiceUnavailable

T = TypeVar("T")


def database_errors(fn: Callable[..., T]) -> Callable[..., T]:
    """Turn a database that cannot be reached into :class:`ServiceUnavailable` (the API's 503, a worker's retry).

    An ``IntegrityError`` passes unchanged: the caller knows what a broken constraint means.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except (OperationalError, SQLInterfaceError) as e:
            raise ServiceUnavailable("database", f"{type(e).__name__}: {e.orig or e}") from e
        except IntegrityError:
            raise
        except SQLAlchemyError as e:
            raise ServiceUnavailable("database", type(e).__name__) from e

    return wrapper
