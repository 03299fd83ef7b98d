"""Checkpointer and Store factories.

SQLite (WAL mode, so a reader never blocks the running graph) under the state folder by
default; Postgres when ``NEXTADS_DATABASE_URL`` is set. Both are context managers so the
connections close cleanly when a run ends or is interrupted.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver
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
def open_checkpointer(settings: Settings | None = None) -> Iterator[BaseCheckpointSaver]:
    """The graph checkpointer: every super-step of every thread is saved here."""
    settings = settings or get_settings()
    if settings.database_url:
        try:
            from langgraph.checkpoint.postgres import PostgresSaver
        except ImportError as exc:  # optional dependency
            raise ConfigError(
                "NEXTADS_DATABASE_URL is set but langgraph-checkpoint-postgres is not installed"
            ) from exc
        with PostgresSaver.from_conn_string(settings.database_url) as saver:
            saver.setup()
            yield saver
        return
    from langgraph.checkpoint.sqlite import SqliteSaver

    conn = _sqlite(Path(settings.state_dir) / CHECKPOINT_DB)
    try:
        saver = SqliteSaver(conn)
        saver.setup()
        yield saver
    finally:
        conn.close()


@contextmanager
def open_store(settings: Settings | None = None) -> Iterator[BaseStore]:
    """The long-term Store: per-user profile, delivered claims, impressions, feedback."""
    settings = settings or get_settings()
    if settings.database_url:
        try:
            from langgraph.store.postgres import PostgresStore
        except ImportError as exc:
            raise ConfigError(
                "NEXTADS_DATABASE_URL is set but langgraph-checkpoint-postgres is not installed"
            ) from exc
        with PostgresStore.from_conn_string(settings.database_url) as store:
            store.setup()
            yield store
        return
    from langgraph.store.sqlite import SqliteStore

    conn = _sqlite(Path(settings.state_dir) / STORE_DB)
    conn.isolation_level = None  # SqliteStore manages its own transactions
    try:
        store = SqliteStore(conn)
        store.setup()
        yield store
    finally:
        conn.close()
