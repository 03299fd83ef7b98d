"""The plan editor: a reviewer changes the Director's plan in plain words (issue 7).

- ``parser.py`` — the offline edit parser: text → ``EditIntent`` list (1-based scene numbers);
- ``llm.py`` — the same intents from the configured chat model, the parser as fallback;
- ``apply.py`` — applies intents to a ``CreativePlan`` and re-validates it (timeline,
  claims ⊆ verified facts, compliance); a refused edit changes nothing;
- ``display.py`` — the readable plan (rich tables).

The review loop around them is ``graphs/review.py``.
"""

from agents.editor.apply import EditRefused, EditResult, apply_edits, revalidate, validate_plan
from agents.editor.llm import interpret_edit
from agents.editor.parser import EditIntent, EditRequest, not_understood, parse_edit

__all__ = ["EditIntent", "EditRefused", "EditRequest", "EditResult", "apply_edits", "interpret_edit",
           "not_understood", "parse_edit", "revalidate", "validate_plan"]
