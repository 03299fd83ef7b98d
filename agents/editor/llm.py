"""The LLM edit: a reviewer's message → EditIntents from the configured chat model.

``interpret_edit`` goes through ``agents.llm_dispatch.run_step`` like every Director step:
with ``settings.llm`` offline it is the offline parser (``agents/editor/parser.py``); with a
model, the model fills an ``EditRequest`` (structured output, bounded retries) and, when it
gives up, the offline parser runs and a fallback marker says why. The review commands
(approve / undo / show / quit) are recognised offline first: they never need a model.
Whatever produced the intents, ``agents/editor/apply.py`` applies and re-validates them.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage

from agents import llm_dispatch
from agents.director.llm import StepFallback
from agents.director.storyboard import HOOK_TYPES
from agents.editor.parser import LAST_SCENE, EditRequest, parse_command, parse_edit
from agents.prompts import editor as prompts
from nextads.providers.structured import structured_call
from nextads.schemas import CreativePlan, Product

STEP = "edit_plan"


def _scenes(plan: CreativePlan) -> str:
    return "\n".join(f"{s.index + 1}: {s.purpose} | {s.narration} | {s.on_screen_text}" for s in plan.storyboard.scenes)


def edit_prompt(text: str, plan: CreativePlan, product: Product) -> str:
    """The user-turn prompt: the intent vocabulary, the product's facets, the plan and the message."""
    facets = [*product.selling_points, *product.facts]
    return prompts.EDIT.format(hook_types=" | ".join(HOOK_TYPES), n_scenes=len(plan.storyboard.scenes),
                               last=LAST_SCENE, facets="; ".join(facets) or "(none)", scenes=_scenes(plan),
                               message=text)


def llm_edit(text: str, plan: CreativePlan, product: Product, *, model: Any) -> EditRequest:
    """Ask the model for the EditRequest; StepFallback when it gives up."""
    messages = [SystemMessage(prompts.SYSTEM), HumanMessage(edit_prompt(text, plan, product))]
    result = structured_call(model, EditRequest, messages, step=STEP)
    if result.value is None:
        raise StepFallback(result.fallback or {"step": STEP, "reason": "no result"})
    request = result.value
    if not request.intents and not request.not_understood:
        request = request.model_copy(update={"not_understood": [text]})
    return request.model_copy(update={"intents": [i.model_copy(update={"source": "llm"}) for i in request.intents]})


def offline_edit(text: str, plan: CreativePlan, product: Product) -> EditRequest:
    """The offline parser (it needs neither the plan nor the product: both are resolved on apply)."""
    return parse_edit(text)


def interpret_edit(text: str, plan: CreativePlan, product: Product) -> tuple[EditRequest, list[dict[str, Any]]]:
    """The reviewer's message as EditIntents, and fallback markers (LLM → offline parser)."""
    command = parse_command(text)
    if command is not None:
        return EditRequest(intents=[command]), []
    return llm_dispatch.run_step(STEP, llm_edit, offline_edit, text, plan, product)
