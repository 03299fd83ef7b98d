"""Persistent memory: SQLite (WAL) checkpointer and Store survive reopening."""

from __future__ import annotations

import sqlite3

from memory import users
from memory.persistence import CHECKPOINT_DB, STORE_DB, open_checkpointer, open_store
from nextads.schemas import Feedback, Interest, UserProfile
from nextads.settings import Settings


def test_store_survives_reopen_and_keeps_user_namespaces(tmp_path):
    settings = Settings(state_dir=tmp_path)
    profile = UserProfile(user_id="u1", interests=[Interest(topic="hiking", weight=0.9, tier="strong")])
    with open_store(settings) as store:
        users.save_profile(store, profile)
        users.record_feedback(store, Feedback(impression_id="i1", user_id="u1", watch_time_s=3.2, skip_time_s=2.8))
    with open_store(settings) as store:  # a new process would do exactly this
        assert users.load_profile(store, "u1") == profile
        assert users.load_profile(store, "someone-else") is None
        (fb,) = users.feedback_events(store, "u1")
        assert fb.skip_time_s == 2.8


def test_sqlite_files_use_wal(tmp_path):
    settings = Settings(state_dir=tmp_path)
    with open_checkpointer(settings), open_store(settings):
        pass
    for name in (CHECKPOINT_DB, STORE_DB):
        mode = sqlite3.connect(tmp_path / name).execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"
