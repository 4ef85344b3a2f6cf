"""Tie strength from observed volume: the closeness rule for collaboration data.

Logs and Viva Insights queries say how much two people (or groups) interact,
not how closely they work together; this is the one documented rule that
turns volume into the 1-5 ``closeness`` of a handoff, used by ``orggraph
ingest`` and the Viva Insights readers alike.

Tie strength grows with the time two people spend in contact and with
reciprocity (Granovetter 1973); of its observable indicators, frequency of
contact is the one logs give, and it is best read relative to the network
rather than on a fixed scale (Marsden & Campbell 1984); in e-mail, a tie is
one where messages go both ways (Kossinets & Watts 2006). So:

1. *volume quintile*: ``1 + floor(5 x b / n)``, where ``b`` is the number of
   pairs of the same period and kind with strictly less volume and ``n`` the
   number of such pairs: the bottom fifth of pairs is 1, the top fifth 5;
   pairs with the same volume always share a quintile (the fewest, however
   many, are 1);
2. *reciprocity bonus*: +1 when the other direction has any volume in the
   same period and kind, capped at 5.

A one-way trickle is arm's length (1); a busy two-way relationship is daily
close collaboration (5).

References: Granovetter, M. S. (1973) The strength of weak ties, *American
Journal of Sociology* 78(6); Marsden, P. V. & Campbell, K. E. (1984)
Measuring tie strength, *Social Forces* 63(2); Kossinets, G. & Watts, D. J.
(2006) Empirical analysis of an evolving social network, *Science* 311.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["closeness", "closeness_of_volume", "RULE"]

#: The rule in one line, for reports.
RULE = (
    "volume quintile 1 + floor(5 b / n) among the pairs of the same period and kind "
    "(b = pairs with less volume), +1 when the other direction has any, at most 5 "
    "(Granovetter 1973; Marsden & Campbell 1984; Kossinets & Watts 2006)"
)


def closeness(rank_below, pairs, reverse_events):
    """Closeness 1-5 from a pair's volume quintile and reciprocity (see the module docstring).

    Parameters
    ----------
    rank_below : array of int
        Pairs of the same period and kind with strictly fewer events.
    pairs : array of int
        Pairs of that period and kind.
    reverse_events : array of int
        Events in the other direction (same period and kind).

    Returns
    -------
    quintile, closeness : arrays of int

    Examples
    --------
    Ten pairs with 1, 1, 1, 1, 2, 2, 3, 5, 8 and 13 events; only the last
    one answered:

    >>> q, c = closeness([0, 0, 0, 0, 4, 4, 6, 7, 8, 9], [10] * 10, [0] * 9 + [2])
    >>> q.tolist()
    [1, 1, 1, 1, 3, 3, 4, 4, 5, 5]
    >>> c.tolist()
    [1, 1, 1, 1, 3, 3, 4, 4, 5, 5]
    >>> closeness([0], [1], [1])[1].tolist()
    [2]
    """
    b = np.asarray(rank_below, dtype=np.int64)
    n = np.asarray(pairs, dtype=np.int64)
    q = 1 + (5 * b) // n
    c = np.minimum(5, q + (np.asarray(reverse_events) > 0))
    return q, c


def closeness_of_volume(
    pairs: pd.DataFrame, *, source="provider", target="customer", volume="volume", group=()
):
    """Closeness of every row of a pair table from its volume column, by :func:`closeness`.

    ``group`` names the columns within which pairs are ranked (period, kind).
    Returns ``(quintile, closeness, reverse)`` arrays aligned with ``pairs``.

    Examples
    --------
    >>> t = pd.DataFrame({"provider": ["a", "b", "a"], "customer": ["b", "a", "c"],
    ...                   "volume": [5.0, 1.0, 1.0]})
    >>> [x.tolist() for x in closeness_of_volume(t)]
    [[4, 1, 1], [5, 2, 1], [1.0, 5.0, 0.0]]
    """
    group = list(group)
    key = [*group, source, target]
    rev = pairs[[*group, source, target, volume]].rename(
        columns={source: target, target: source, volume: "_rev"}
    )
    merged = pairs[key].merge(rev, on=key, how="left")
    reverse = merged["_rev"].fillna(0.0).to_numpy()
    if group:
        g = pairs.groupby(group, sort=False)[volume]
        below = g.rank(method="min").to_numpy() - 1
        n = g.transform("size").to_numpy()
    else:
        below = pairs[volume].rank(method="min").to_numpy() - 1
        n = np.full(len(pairs), len(pairs))
    q, c = closeness(below.astype(np.int64), n, reverse)
    return q, c, reverse
