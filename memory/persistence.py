"""Checkpointer and Store factories.

SQLite (WAL mode, so a reader never blocks the running graph) under the state folder by
default; Postgres when ``NEXTADS_DATABASE_URL`` is set. Both are context managers so the
connections close cleanly when a run ends or is interrupted.
"""

from __future__ import annotations

import importlib
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.config import get_store
from langgraph.store.base import BaseStore

from nextads.errors import ConfigError
from nextads.settings import Settings, get_settings

CHECKPOINT_DB = "checkpoints.sqlite"
STORE_DB = "store.sqlite"


def _sqlite(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


@contextmanager
def _open(settings: Settings | None, postgres: tuple[str, str], sqlite: tuple[str, str], db: str,
          autocommit: bool = False) -> Iterator:
    """Open one persistence backend: Postgres (module, class) when configured, else SQLite."""
    settings = settings or get_settings()
    if settings.database_url:
        try:
            cls = getattr(importlib.import_module(postgres[0]), postgres[1])
        except ImportError as exc:  # optional dependency
            raise ConfigError(
                "NEXTADS_DATABASE_URL is set but langgraph-checkpoint-postgres is not installed"
            ) from exc
        with cls.from_conn_string(settings.database_url) as backend:
            backend.setup()
            yield backend
        return
    conn = _sqlite(Path(settings.state_dir) / db)
    if autocommit:
        conn.isolation_level = None
    try:
        backend = getattr(importlib.import_module(sqlite[0]), sqlite[1])(conn)
        backend.setup()
        yield backend
    finally:
        conn.close()


def open_checkpointer(settings: Settings | None = None) -> AbstractContextManager[BaseCheckpointSaver]:
    """The graph checkpointer: every super-step of every thread is saved here."""
    return _open(settings, ("langgraph.checkpoint.postgres", "PostgresSaver"),
                 ("langgraph.checkpoint.sqlite", "SqliteSaver"), CHECKPOINT_DB)


def open_store(settings: Settings | None = None) -> AbstractContextManager[BaseStore]:
    """The long-term Store: per-user profile, delivered claims, impressions, feedback."""
    # SqliteStore manages its own transactions, so its connection runs in autocommit mode.
    return _open(settings, ("langgraph.store.postgres", "PostgresStore"),
                 ("langgraph.store.sqlite", "SqliteStore"), STORE_DB, autocommit=True)


def current_store() -> BaseStore | None:
    """The Store of the graph run this is called from, or None (a graph compiled without one)."""
    try:
        return get_store()
    except Exception:  # noqa: BLE001 - no store configured (e.g. a bare test graph)
        return None
