"""The Dash web view. Import cost is paid only by `orggraph serve` and app.py.

``create_app`` is loaded on first use, so that the pure modules (``views``, ``security``)
can be imported without importing dash.
"""

__all__ = ["create_app"]


def __getattr__(name):
    if name == "create_app":  # a deliberate lazy load: dash is heavy
        from .app import create_app

        return create_app
    raise AttributeError(name)
