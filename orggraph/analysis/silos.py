"""Silos: how much each department keeps to itself, and the groups work really forms.

Weights are the documented handoff weight (deliveries per month x
importance / 3); a tie is a provider -> customer pair with at least one
handoff. The external customer is left out: it is nobody's department.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._graph import actors
from .findings import ACTIONS, Finding, score_of

__all__ = ["mixing_matrix", "ei_index", "communities", "holm"]


def mixing_matrix(org, *, value="weight") -> pd.DataFrame:
    """Provider department x customer department matrix of handoffs.

    Parameters
    ----------
    org : Organization
    value : {"weight", "closeness", "count"}
        ``weight``: total handoff weight; ``closeness``: mean closeness
        rating of the handoffs in the cell (NaN where no handoff or no
        rating); ``count``: number of handoffs.

    Returns
    -------
    DataFrame
        Rows are provider departments, columns customer departments (ids,
        the external customer included), in file order.

    Examples
    --------
    >>> from orggraph.analysis._examples import two_departments
    >>> mixing_matrix(two_departments(), value="count").loc["a", "b"]
    np.float64(1.0)
    """
    h = org.handoffs
    dept = org._dept
    h = h.assign(pdept=h["provider"].map(dept), cdept=h["customer"].map(dept))
    tops = set(org.departments) | set(org.external)
    order = [u for u in org.ids if u in tops]
    g = h.groupby(["pdept", "cdept"], sort=False)
    if value == "weight":
        m = g["weight"].sum().unstack().reindex(index=order, columns=order).fillna(0.0)
    elif value == "count":
        m = g.size().unstack().reindex(index=order, columns=order).fillna(0.0).astype(float)
    elif value == "closeness":
        m = g["closeness"].mean().unstack().reindex(index=order, columns=order)
    else:
        raise ValueError("value must be 'weight', 'closeness' or 'count'")
    m.index.name, m.columns.name = "provider department", "customer department"
    return m


def _ei_counts(group, src, dst, w, k):
    """Internal and external tie totals per group (vectorized over edges)."""
    gs, gd = group[src], group[dst]
    inside = gs == gd
    internal = np.bincount(gs[inside], weights=w[inside], minlength=k)
    touching = np.bincount(gs, weights=w, minlength=k) + np.bincount(gd, weights=w, minlength=k)
    external = touching - 2 * internal
    return internal, external


def _ei(internal, external):
    total = internal + external
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (external - internal) / total, np.nan)


def _homophily(group, src, dst, k):
    """Per group: internal ties, crossing ties, expected internal share, log odds ratio.

    The expectation is the directed configuration model: with ``M`` ties, a
    group sending ``out`` and receiving ``in`` tie ends expects ``out x in / M``
    of its ties inside, whatever its size.
    """
    m = max(len(src), 1)
    gs, gd = group[src], group[dst]
    inside = gs == gd
    internal = np.bincount(gs[inside], minlength=k).astype(float)
    out = np.bincount(gs, minlength=k).astype(float)
    inn = np.bincount(gd, minlength=k).astype(float)
    external = out + inn - 2 * internal
    exp_in = out * inn / m
    exp_ex = out + inn - 2 * exp_in
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.where(exp_in + exp_ex > 0, exp_in / (exp_in + exp_ex), np.nan)
        # Haldane's 0.5 keeps the odds finite for a group with no internal
        # (or no crossing) tie; the expectation gets the same correction.
        log_odds = np.log((internal + 0.5) / (external + 0.5)) - np.log(
            (exp_in + 0.5) / (exp_ex + 0.5)
        )
    return internal, external, expected, log_odds


def _assortativity(group, src, dst, k):
    """Newman's (2003) assortativity coefficient of directed ties by group."""
    m = len(src)
    if m == 0 or k < 2:
        return float("nan")
    gs, gd = group[src], group[dst]
    diag = np.sum(gs == gd) / m
    a = np.bincount(gs, minlength=k) / m
    b = np.bincount(gd, minlength=k) / m
    ab = float(np.dot(a, b))
    return float((diag - ab) / (1 - ab)) if ab < 1 else float("nan")


def holm(p) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values (NaN stays NaN).

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03]).round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    if not len(ok):
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    n = len(order)
    adj = np.maximum.accumulate((n - np.arange(n)) * p[order])
    out[order] = np.minimum(adj, 1.0)
    return out


def _z_p(observed, perms):
    """One-sided p-value of ``observed`` being high, from the permutations' mean and sd.

    A normal approximation of the permutation distribution gives p-values
    below 1 / (permutations + 1), which a Holm correction over tens of
    departments needs; with a degenerate distribution it falls back to the
    empirical rank.
    """
    import warnings

    from scipy.special import ndtr

    with warnings.catch_warnings():
        # A department with no ties has an all-NaN permutation column: p is NaN.
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(perms, axis=0)
        sd = np.nanstd(perms, axis=0, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (observed - mean) / sd
    p = ndtr(-z)
    empirical = (1 + np.sum(perms >= observed - 1e-12, axis=0)) / (1 + len(perms))
    return np.where(np.isfinite(z) & (sd > 0), p, empirical), z


def ei_index(org, *, permutations=999, seed=0, min_group=5, min_peers=4) -> pd.DataFrame:
    """E-I index and homophily of every department, against random mixing and its peers.

    For department *g*, *I* counts the ties with both ends inside *g* and
    *E* the ties with exactly one end in *g* (either direction); the E-I
    index is ``(E - I) / (E + I)``, from -1 (keeps entirely to itself) to +1
    (works only with others) (Krackhardt & Stern 1988). It is computed on
    tie counts (``ei``) and on handoff weights (``ei_weighted``).
    ``ei_expected`` is the value if ties fell at random among the same
    actors, ``(2(N-n) - (n-1)) / (2(N-n) + (n-1))``: it climbs towards +1 as
    the organization grows, so the E-I index is shown, never used as a line.

    What decides a silo is size-independent:

    - ``internal_share`` = I / (I + E) and ``expected_share``, the same share
      under the directed configuration model (ties rewired at random, every
      actor keeping its number of ties sent and received: Newman 2003);
    - ``homophily`` = the log odds ratio of the two (0 = random mixing,
      log 3 = three times the odds of keeping a tie inside), the odds-ratio
      form of Coleman's (1958) homophily index, with Haldane's 0.5;
    - ``p_random``: one-sided permutation test of the log odds (department
      labels shuffled ``permutations`` times, sizes kept, seeded; normal
      approximation of the permutation distribution), Holm-adjusted over
      the departments;
    - ``excess``: the log odds of keeping a tie inside, minus the reference
      log odds: the median of the *other* departments with at least
      ``min_group`` members where there are at least ``min_peers`` of them
      (its peers), else random mixing (the configuration-model share);
    - ``p_peers``: binomial test of the department's crossing ties against
      the share a typical department would have, Holm-adjusted.

    ``partner_departments`` counts the other departments it exchanges at
    least one handoff with. ``gatekeeper`` is the member carrying the most
    of the department's crossing ties and ``gatekeeper_share`` that share.
    ``df.attrs["assortativity"]`` holds the organization-level figures:
    Newman's assortativity coefficient by department, its permutation
    z-score and p-value, and the overall internal and expected shares.

    Returns
    -------
    DataFrame indexed by department id.

    References
    ----------
    Krackhardt, D. & Stern, R. N. (1988). Informal networks and
    organizational crises: an experimental simulation. *Social Psychology
    Quarterly* 51(2), 123-140.
    Coleman, J. S. (1958). Relational analysis: the study of social
    organizations with survey methods. *Human Organization* 17(4), 28-36.
    Newman, M. E. J. (2003). Mixing patterns in networks. *Physical Review
    E* 67, 026126.
    Holm, S. (1979). A simple sequentially rejective multiple test
    procedure. *Scandinavian Journal of Statistics* 6(2), 65-70.

    Examples
    --------
    >>> from orggraph.analysis._examples import two_departments
    >>> ei_index(two_departments(), permutations=0).loc["a", "ei"]
    np.float64(-0.3333333333333333)
    """
    from scipy.special import bdtr

    a = actors(org)
    k = len(a.groups)
    ones = np.ones(len(a.src))
    internal, external = _ei_counts(a.group, a.src, a.dst, ones, k)
    winternal, wexternal = _ei_counts(a.group, a.src, a.dst, a.weight, k)
    ei, eiw = _ei(internal, external), _ei(winternal, wexternal)
    sizes = np.bincount(a.group, minlength=k).astype(float)
    n_all = a.n
    num = 2 * (n_all - sizes) - (sizes - 1)
    den = 2 * (n_all - sizes) + (sizes - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.where(den > 0, num / den, np.nan)
    _, _, exp_share, lor = _homophily(a.group, a.src, a.dst, k)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(internal + external > 0, internal / (internal + external), np.nan)
    r_obs = _assortativity(a.group, a.src, a.dst, k)

    p = pw = p_rand = np.full(k, np.nan)
    z_rand = np.full(k, np.nan)
    assort = {"assortativity": r_obs, "z": float("nan"), "p": float("nan")}
    if permutations:
        rng = np.random.default_rng(seed)
        below = np.zeros(k)
        wbelow = np.zeros(k)
        perm_lor = np.empty((permutations, k))
        perm_r = np.empty(permutations)
        m = len(a.src)
        out_deg = np.bincount(a.src, minlength=a.n).astype(float)
        in_deg = np.bincount(a.dst, minlength=a.n).astype(float)
        w_deg = np.bincount(a.src, weights=a.weight, minlength=a.n) + np.bincount(
            a.dst, weights=a.weight, minlength=a.n
        )
        for j in range(permutations):
            # One pass per shuffle: every statistic comes from the same labels, and
            # per-actor degrees are summed by group instead of re-counting the edges.
            perm = rng.permutation(a.group)
            gs, gd = perm[a.src], perm[a.dst]
            inside = gs == gd
            gi = gs[inside]
            i = np.bincount(gi, minlength=k).astype(float)
            wi = np.bincount(gi, weights=a.weight[inside], minlength=k)
            out_g = np.bincount(perm, weights=out_deg, minlength=k)
            in_g = np.bincount(perm, weights=in_deg, minlength=k)
            e = out_g + in_g - 2 * i
            we = np.bincount(perm, weights=w_deg, minlength=k) - 2 * wi
            below += _ei(i, e) <= ei + 1e-12
            wbelow += _ei(wi, we) <= eiw + 1e-12
            exp_in = out_g * in_g / max(m, 1)
            exp_ex = out_g + in_g - 2 * exp_in
            with np.errstate(invalid="ignore", divide="ignore"):
                perm_lor[j] = np.log((i + 0.5) / (e + 0.5)) - np.log(
                    (exp_in + 0.5) / (exp_ex + 0.5)
                )
            if m and k > 1:
                ab = float(np.dot(out_g, in_g)) / m / m
                perm_r[j] = (i.sum() / m - ab) / (1 - ab) if ab < 1 else np.nan
            else:
                perm_r[j] = np.nan
        p = (1 + below) / (1 + permutations)
        pw = (1 + wbelow) / (1 + permutations)
        raw_p, z_rand = _z_p(lor, perm_lor)
        raw_p = np.where(internal + external > 0, raw_p, np.nan)
        p_rand = holm(raw_p)
        rp, rz = _z_p(np.array([r_obs]), perm_r[:, None])
        assort |= {"z": float(rz[0]), "p": float(rp[0])}

    # Coleman's index: 0 at random mixing, 1 when every tie stays inside,
    # whatever the department's size.
    with np.errstate(invalid="ignore", divide="ignore"):
        coleman = np.where(
            share >= exp_share,
            (share - exp_share) / (1 - exp_share),
            (share - exp_share) / exp_share,
        )
        # Haldane's 0.5 keeps the odds of a department with no crossing tie finite.
        logit = np.log((internal + 0.5) / (external + 0.5))
    total = (internal + external).astype(int)
    peers = (sizes >= min_group) & (total > 0)
    if peers.sum() >= min_peers:
        # Against its peers: the odds of keeping a tie inside, compared with the
        # median of the organization's *other* departments (leave-one-out, so a
        # silo does not pull its own reference up).
        typical = float(np.median(logit[peers]))
        idx = np.flatnonzero(peers)
        ref_logit = np.array(
            [np.median(logit[idx[idx != g]]) if peers[g] else typical for g in range(k)]
        )
    else:
        # Too few peers to have a "typical": random mixing is the reference.
        typical = float("nan")
        with np.errstate(invalid="ignore", divide="ignore"):
            ref_logit = np.log(exp_share / (1 - exp_share))
    excess = logit - ref_logit
    ref_share = 1 / (1 + np.exp(-ref_logit))
    with np.errstate(invalid="ignore"):
        p_peers = holm(
            np.where(total > 0, bdtr(external.astype(np.int64), total, 1 - ref_share), np.nan)
        )
    m = max(len(a.src), 1)
    volume_out = np.bincount(a.group[a.src], minlength=k)
    volume_in = np.bincount(a.group[a.dst], minlength=k)
    assort |= {
        "internal_share": float(internal.sum() / m),
        "expected_share": float(np.sum(volume_out * volume_in) / m / m),
        "typical_share": float(1 / (1 + np.exp(-typical))) if typical == typical else None,
        "peers": int(peers.sum()),
    }

    gs, gd = a.group[a.src], a.group[a.dst]
    cross = gs != gd
    partners = [set() for _ in range(k)]
    for x, y in zip(gs[cross], gd[cross], strict=False):
        partners[x].add(y)
        partners[y].add(x)
    per_actor = np.bincount(a.src[cross], minlength=a.n) + np.bincount(a.dst[cross], minlength=a.n)
    gate, gshare = [], []
    for g in range(k):
        members = np.flatnonzero(a.group == g)
        tot = per_actor[members].sum()
        if tot == 0 or len(members) < 2:
            gate.append("")
            gshare.append(np.nan)
            continue
        best = members[np.argmax(per_actor[members])]
        gate.append(a.ids[best])
        gshare.append(per_actor[best] / tot)
    out = pd.DataFrame(
        {
            "members": sizes.astype(int),
            "internal_ties": internal.astype(int),
            "external_ties": external.astype(int),
            "internal_weight": winternal,
            "external_weight": wexternal,
            "ei": ei,
            "ei_weighted": eiw,
            "ei_expected": expected,
            "p_value": p,
            "p_value_weighted": pw,
            "internal_share": share,
            "expected_share": exp_share,
            "coleman": coleman,
            "homophily": lor,
            "homophily_z": z_rand,
            "p_random": p_rand,
            "excess": excess,
            "p_peers": p_peers,
            "partner_departments": [len(s) for s in partners],
            "gatekeeper": gate,
            "gatekeeper_share": gshare,
        },
        index=pd.Index(a.groups, name="department"),
    )
    out.attrs["assortativity"] = assort
    return out


#: Above this many actors Leiden runs in a child process: leidenalg holds the
#: interpreter while it works (4 minutes at a million people), so no progress line
#: and no other thread could run meanwhile. Below, starting a process (about a
#: second) would cost more than Leiden itself (0.7 s at 10,000 people).
LEIDEN_PROCESS_ABOVE = 50_000
#: Seconds between progress lines while Leiden runs in its process.
LEIDEN_EVERY = 10.0


def _leiden_membership(g, seed, resolution) -> list[int]:
    import leidenalg

    part = leidenalg.find_partition(
        g,
        leidenalg.RBConfigurationVertexPartition,
        weights="weight",
        seed=seed,
        resolution_parameter=resolution,
    )
    return list(part.membership)


def _leiden_from_arrays(n, src, dst, weight, seed, resolution) -> tuple[list[int], float]:
    """:func:`_leiden_membership` and its modularity on the graph that
    ``Actors.igraph(directed=False)`` builds."""
    import igraph as ig

    g = ig.Graph(n=n, edges=np.column_stack([src, dst]).tolist(), directed=True)
    g.es["weight"] = weight.tolist()
    g = g.as_undirected(mode="collapse", combine_edges={"weight": "sum"})
    membership = _leiden_membership(g, seed, resolution)
    return membership, g.modularity(membership, weights="weight")


def _leiden_elsewhere(a, seed, resolution, progress) -> tuple[list[int], float] | None:
    """:func:`_leiden_from_arrays` in a child interpreter (:mod:`._leiden`), telling
    ``progress`` meanwhile; None where the child could not run (then Leiden runs here)."""
    import subprocess
    import sys
    import tempfile
    import time
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="orggraph-leiden-") as tmp:
        folder = Path(tmp)
        np.savez(
            folder / "graph.npz",
            n=a.n,
            src=a.src,
            dst=a.dst,
            weight=a.weight,
            seed=seed,
            resolution=resolution,
        )
        command = [sys.executable, "-m", "orggraph.analysis._leiden", str(folder)]
        with open(folder / "stderr.txt", "wb") as errors:
            try:
                child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
            except OSError:
                return None
            start = time.perf_counter()
            try:
                while True:
                    try:
                        child.wait(timeout=LEIDEN_EVERY)
                        break
                    except subprocess.TimeoutExpired:
                        if progress:
                            took = time.perf_counter() - start
                            progress(f"communities: Leiden on {a.n:,} people, {took:.0f} s so far")
            finally:
                # A failing progress callback (a closed connection) must not leave
                # minutes of Leiden running behind it.
                if child.poll() is None:
                    child.kill()
                    child.wait()
        if child.returncode != 0 or not (folder / "result.npz").exists():
            return None
        result = np.load(folder / "result.npz")
        return result["membership"].tolist(), float(result["modularity"])


def communities(
    org, *, method="leiden", seed=0, resolution=1.0, progress=None, in_process=None
) -> dict:
    """Groups that work really forms, compared with the formal departments.

    Communities are found on the actors' graph made undirected (weights of
    the two directions summed) by maximizing modularity with Leiden (Traag,
    Waltman & van Eck 2019, via leidenalg, seeded) or Louvain (Blondel et al.
    2008, via igraph). Agreement with the departments is measured by
    normalized mutual information (``nmi``, Danon et al. 2005, arithmetic
    normalization) and the adjusted Rand index (``ari``, Hubert & Arabie
    1985).

    Returns
    -------
    dict
        ``membership`` (DataFrame: actor, department, community),
        ``contingency`` (department x community counts), ``nmi``, ``ari``,
        ``modularity``, ``split_departments`` (departments none of whose
        communities holds 80% of their members) and ``spanning_communities``
        (communities where no department holds 80% of the members).

    Above :data:`LEIDEN_PROCESS_ABOVE` actors (or with ``in_process=False``)
    Leiden runs in a child interpreter (:mod:`._leiden`) and ``progress(text)``,
    if given, is called every :data:`LEIDEN_EVERY` seconds meanwhile; the same
    graph and seed give the same communities either way. Where the child
    cannot run, Leiden runs here.
    """
    import igraph as ig

    a = actors(org)
    if method == "leiden" and not (
        in_process if in_process is not None else a.n <= LEIDEN_PROCESS_ABOVE
    ):
        # The graph is built there, not here too: at a million people it is gigabytes.
        done = _leiden_elsewhere(a, seed, resolution, progress)
        if done is None and progress:
            progress("communities: Leiden's own process failed; running it here")
    else:
        done = None
    if done is not None:
        membership, modularity = done
    elif method == "leiden":
        g = a.igraph(directed=False)
        membership = _leiden_membership(g, seed, resolution)
        modularity = g.modularity(membership, weights="weight")
    elif method == "louvain":
        import random

        g = a.igraph(directed=False)

        random.seed(seed)
        ig.set_random_number_generator(random)
        membership = g.community_multilevel(weights="weight", resolution=resolution).membership
        modularity = g.modularity(membership, weights="weight")
    else:
        raise ValueError("method must be 'leiden' or 'louvain'")
    depts = [a.groups[i] for i in a.group]
    members = pd.DataFrame({"actor": a.ids, "department": depts, "community": membership})
    table = pd.crosstab(members["department"], members["community"])
    if len(set(membership)) > 1 or len(set(a.group.tolist())) > 1:
        nmi = ig.compare_communities(a.group.tolist(), membership, method="nmi")
        ari = ig.compare_communities(a.group.tolist(), membership, method="adjusted_rand")
    else:
        nmi = ari = 1.0
    split = [d for d, row in table.iterrows() if row.max() < 0.8 * row.sum()]
    spanning = [int(c) for c, col in table.items() if col.max() < 0.8 * col.sum()]
    return {
        "membership": members,
        "contingency": table,
        "nmi": float(nmi),
        "ari": float(ari),
        "modularity": float(modularity),
        "split_departments": split,
        "spanning_communities": spanning,
    }


def _pct(x) -> str:
    return "n/a" if x != x else f"{x:.0%}"


def find(org, result, thresholds) -> list:
    """Silo candidates: departments that keep to themselves, and departments as blocks.

    A department is a ``silo`` when it has at least ``min_group_size``
    members, Coleman's homophily is at least ``silo_coleman_min``, its odds
    of keeping a tie inside are at least ``silo_odds_ratio_min`` times its
    reference (its peers' median, or random mixing where there are fewer
    than ``silo_min_peers`` peers), and both tests (against random mixing
    and against the reference) pass at ``p_max`` after Holm's
    correction. Ratio to the line: the smaller of Coleman / its line and
    log odds ratio / log of its line.

    ``blocks`` (one per organization): assortativity by department at least
    ``blocks_assortativity_min`` and significant; ratio = assortativity / line.
    Candidates below their line are returned too (scored under 0.5): they
    become near misses.
    """
    t = thresholds
    ei = result.tables["ei_index"]
    names = org.names
    out = []
    typical = ei.attrs["assortativity"].get("typical_share")
    ref_word = "its peers" if typical is not None else "random mixing"
    log_line = np.log(t.silo_odds_ratio_min)
    for dept, r in ei.iterrows():
        total = int(r["internal_ties"] + r["external_ties"])
        if total == 0:
            continue
        ratio = float(min(r["coleman"] / t.silo_coleman_min, r["excess"] / log_line))
        odds = float(np.exp(r["excess"]))
        measure = (
            f"keeps ties inside at {odds:.1f}x the odds of {ref_word} (line "
            f"{t.silo_odds_ratio_min:g}x), Coleman homophily {r['coleman']:.2f} (line "
            f"{t.silo_coleman_min:g})"
        )
        why_not = []
        if r["members"] < t.min_group_size:
            why_not.append(f"only {int(r['members'])} members")
        if not (r["p_random"] <= t.p_max and r["p_peers"] <= t.p_max):
            why_not.append(
                f"not significant (p = {max(r['p_random'], r['p_peers']):.2g} after Holm)"
            )
        if why_not:
            ratio = min(ratio, 0.99)
            measure += "; " + ", ".join(why_not)
        if ratio <= 0:
            continue
        ref = (
            f"{typical:.0%} for a typical department here"
            if typical is not None
            else f"{r['expected_share']:.0%} if work crossed departments at random"
        )
        partners = int(r["partner_departments"])
        summary = (
            f"{names[dept]} keeps to itself: {_pct(r['internal_share'])} of its {total} "
            f"working ties stay inside the department, against {ref}; it exchanges work "
            f"with only {partners} other department{'s' if partners != 1 else ''}."
        )
        out.append(
            Finding(
                "silo",
                "",
                score_of(ratio),
                (dept,),
                summary,
                {
                    "internal_share": r["internal_share"],
                    "expected_share": r["expected_share"],
                    "coleman": r["coleman"],
                    "odds_ratio": odds,
                    "reference": "peers" if typical is not None else "random mixing",
                    "p_random": r["p_random"],
                    "p_peers": r["p_peers"],
                    "ei": r["ei"],
                    "ei_expected": r["ei_expected"],
                    "internal_ties": int(r["internal_ties"]),
                    "external_ties": int(r["external_ties"]),
                    "members": int(r["members"]),
                    "partner_departments": partners,
                },
                ACTIONS["forum"].format(partners="the departments it should serve"),
                measure,
            )
        )
    a = ei.attrs["assortativity"]
    r = a["assortativity"]
    if len(ei) >= 2 and r == r:
        ratio = r / t.blocks_assortativity_min
        measure = f"assortativity by department {r:.2f} (line {t.blocks_assortativity_min:g})"
        if not (a["p"] <= t.p_max):
            ratio = min(ratio, 0.99)
            measure += f"; not significant (p = {a['p']:.2g})"
        inward = [
            d
            for d, row in ei.iterrows()
            if row["p_random"] <= t.p_max and row["coleman"] >= t.silo_coleman_min
        ] or list(ei.index)
        nmi = result.communities.get("nmi", float("nan"))
        if ratio > 0:
            out.append(
                Finding(
                    "blocks",
                    "",
                    score_of(ratio),
                    tuple(inward),
                    f"The departments work as separate blocks: {a['internal_share']:.0%} of "
                    f"working ties stay inside a department, against {a['expected_share']:.0%} "
                    f"if work crossed departments at random; {len(inward)} of {len(ei)} "
                    f"departments keep to themselves, and the groups people really form "
                    f"match the departments (NMI {nmi:.2f}).",
                    {
                        "assortativity": r,
                        "z": a["z"],
                        "p_value": a["p"],
                        "internal_share": a["internal_share"],
                        "expected_share": a["expected_share"],
                        "nmi": nmi,
                        "departments": len(ei),
                        "keeping_to_themselves": len(inward),
                    },
                    ACTIONS["blocks"],
                    measure,
                )
            )
    return out
