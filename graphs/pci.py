"""Personalized creative integration (PCI): the creative loop of graphs/pcg.py, woven
into the video the user is watching.

The same nodes and routers run; the task changes what they do:
- the Director also summarizes the host and decides the integration point (graphs/director.py),
  and writes a storyboard that starts from the host frame at that point and returns to it;
- the Producer renders the segment at the host's size and frame rate and splices it into
  the host (host audio faded around it);
- the Verifier adds integration quality (continuity, thematic fit, disruption), and the
  Reflector can move the point with a ``decide_integration`` directive.
"""

from __future__ import annotations

from typing import Any

from graphs.pcg import build_graph as build_creative_graph
from graphs.state import PCIInput


def build_graph(checkpointer: Any = None, store: Any = None) -> Any:
    """Compile the PCI loop (input: PCIInput, with ``task="pci"`` and ``host_video``)."""
    return build_creative_graph(checkpointer, store, name="pci", input_schema=PCIInput)


# For `langgraph dev` / LangGraph Studio (the server supplies persistence).
graph = build_graph()
