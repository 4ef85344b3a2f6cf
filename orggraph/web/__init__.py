"""The Dash web view. Import cost is paid only by `orggraph serve` and app.py."""

from .app import create_app

__all__ = ["create_app"]
