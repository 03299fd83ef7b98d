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


def test_style_learned_from_feedback_is_applied_to_later_profiles(tmp_path):
    """Impressions where a narrative form and a template out-engaged the profile's own teach the
    user's presentation; the Director's model_user applies it in every later run with the Store."""
    from langgraph.graph import START, StateGraph
    from langgraph.store.memory import InMemoryStore

    from graphs.director import model_user
    from graphs.state import DirectorState
    from nextads.catalog import get_demo_user

    user = get_demo_user("maya")
    from nextads.schemas import PresentationStyle

    base = UserProfile(user_id="maya", style=PresentationStyle(tone="calm"))
    assert base.style.narrative_form != "testimonial" and base.style.tone != "energetic"
    records = ([{"narrative_form": "testimonial", "template": "energetic", "engagement": 0.8}] * 2
               + [{"narrative_form": base.style.narrative_form, "template": "calm", "engagement": 0.2}] * 2)
    learned = users.learned_from_feedback(base, records)
    assert learned == {"narrative_form": "testimonial", "tone": "energetic"}
    assert users.update_profile_from_feedback(base, records[2:]) == base  # the profile's own choice held
    with open_store(Settings(state_dir=tmp_path)) as store:
        users.save_learned_style(store, "maya", learned)
    with open_store(Settings(state_dir=tmp_path)) as store:  # it survives a restart
        assert users.learned_style(store, "maya") == learned

    def run(store):
        g = StateGraph(DirectorState)
        g.add_node("model_user", model_user)
        g.add_edge(START, "model_user")
        return g.compile(store=store).invoke({"task": "pcg", "user": user.model_dump(mode="json")})["profile"]

    fresh = run(None)
    store = InMemoryStore()
    users.save_learned_style(store, "maya", learned)
    taught = run(store)
    assert taught["style"]["narrative_form"] == "testimonial" and taught["style"]["tone"] == "energetic"
    assert {k: v for k, v in taught.items() if k != "style"} == {k: v for k, v in fresh.items() if k != "style"}
