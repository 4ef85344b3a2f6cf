"""orggraph: map how work flows between internal customers and find where it breaks.

Layers, in the direction data flows: ``readwrite`` (files) -> ``validate`` ->
``model.Organization`` -> analyses -> findings -> outputs (``cli``, ``web``).
"""

from .exceptions import OrgGraphError, Problem, ValidationError
from .model import Organization
from .readwrite import check_path, load, load_network, write, write_template
from .summary import summary

__version__ = "0.1.0"

__all__ = [
    "Organization",
    "OrgGraphError",
    "Problem",
    "ValidationError",
    "check_path",
    "load",
    "load_network",
    "summary",
    "write",
    "write_template",
]
