"""Serve the bundled sample organization: `python app.py`, then open http://127.0.0.1:8050."""

from pathlib import Path

from orggraph.web import create_app

SAMPLE = Path(__file__).parent / "data" / "healthcare-supplier"
app = create_app(SAMPLE)
server = app.server

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8050, debug=False)
