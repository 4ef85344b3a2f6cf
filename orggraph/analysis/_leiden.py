"""Leiden in a separate interpreter: ``python -m orggraph.analysis._leiden FOLDER``.

leidenalg holds the interpreter while it works (4 minutes at a million people), so
neither a progress line nor another thread's Python could run meanwhile.
:func:`.silos.communities` writes the actors' graph to ``FOLDER/graph.npz``, starts
this module and reads ``FOLDER/result.npz`` (membership and modularity) back. A fresh
interpreter, not multiprocessing: a user's script without a ``__main__`` guard is not
run again, and a worker of a process pool may start it too.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def main(folder: Path) -> None:
    from .silos import _leiden_from_arrays

    d = np.load(folder / "graph.npz")
    membership, modularity = _leiden_from_arrays(
        int(d["n"]), d["src"], d["dst"], d["weight"], int(d["seed"]), float(d["resolution"])
    )
    np.savez(folder / "result.npz", membership=np.asarray(membership), modularity=modularity)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
