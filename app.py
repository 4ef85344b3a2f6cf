"""Serve the bundled sample organization: `python app.py`, then open http://127.0.0.1:8050.

This machine only (127.0.0.1), no sign-in, under the same server as `orggraph serve`
(waitress, security headers). To share it with others, use `orggraph serve` with sign-in:
see docs/security.md.
"""

from pathlib import Path

from orggraph.web import create_app

SAMPLE = Path(__file__).parent / "data" / "healthcare-supplier"
app = create_app(SAMPLE)
server = app.server

if __name__ == "__main__":
    from orggraph.web.server import serve

    serve(
        app,
        host="127.0.0.1",
        port=8050,
        on_listen=lambda h, p: print(f"orggraph: http://{h}:{p}/ (Ctrl+C to stop)"),
    )
