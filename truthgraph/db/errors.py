"""Database trouble as TruthGraph's errors: a database that cannot be reached is a ServiceUnavailable."""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, SQLAlchemyError

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
        except (OperationalError, InterfaceError) as e:
            raise ServiceUnavailable("database", f"{type(e).__name__}: {e.orig or e}") from e
        except IntegrityError:
            raise
        except SQLAlchemyError as e:
            raise ServiceUnavailable("database", type(e).__name__) from e

    return wrapper
