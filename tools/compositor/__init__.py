"""The offline compositor video backend (default `generate_video` backend).

Renders a storyboard from product assets, the reference collage and user-preferred visual
cues with template-driven backgrounds, camera motion, captions, transitions, an end card,
narration, and the "AI Created" label; re-renders only the scenes a localized edit touches.
"""

from tools.compositor.render import BACKEND, render_creative
from tools.compositor.templates import TEMPLATES, Template, get_template

__all__ = ["BACKEND", "TEMPLATES", "Template", "get_template", "render_creative"]
