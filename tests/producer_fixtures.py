"""Producer test fixtures: the compositor's generated sample product and plans."""

from tools.compositor.sample import SCENE_TEXT, make_images, make_plan, make_product

__all__ = ["SCENE_TEXT", "make_images", "make_plan", "make_product"]
