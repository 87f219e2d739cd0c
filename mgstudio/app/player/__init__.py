"""The player: frame-exact video with the 2D skeleton overlay and transport controls."""

from mgstudio.app.player.frame_view import FrameView
from mgstudio.app.player.player import PlayerWidget
from mgstudio.app.player.transport import TransportBar

__all__ = ["FrameView", "PlayerWidget", "TransportBar"]
