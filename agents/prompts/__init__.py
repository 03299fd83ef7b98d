"""Prompt texts, one module per agent (director, verifier, reflector).

Prompts are written for NextAds and cover DESIGN.md's criteria for each step. User-history
text is always wrapped in ``<history>`` tags (nextads.providers.chat.HISTORY_OPEN/CLOSE)
so traces can redact exactly that text.
"""
