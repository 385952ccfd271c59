"""Persistence: the engine, the unit of work and its repositories, and the migrations."""

from domain.storage.engine import create_engine, is_sqlite
from domain.storage.uow import UnitOfWork, UnitOfWorkFactory

__all__ = ["UnitOfWork", "UnitOfWorkFactory", "create_engine", "is_sqlite"]
