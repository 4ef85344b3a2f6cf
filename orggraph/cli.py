"""The ``orggraph`` command line: parse arguments, call the library, print.

Exit status: 0 when the input is valid (warnings allowed), 1 when it has
errors (listed, never analysed), 2 for usage mistakes.
"""

from __future__ import annotations

import functools
import json
import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import click

from . import readwrite
from .exceptions import OrgGraphError, ValidationError
from .schema import Limits, rating_scales

# ------------------------------------------------------------------ loading


def input_options(f):
    """Options shared by every command that reads an organization."""

    @click.argument("path", type=click.Path(path_type=Path))
    @click.option(
        "--nodes",
        type=click.Path(path_type=Path),
        help="Research network: node table; PATH is then an edge list.",
    )
    @click.option("--unit-column", help="Research network: node column naming the department.")
    @click.option(
        "--direction",
        type=click.Choice(["seeks", "gives"]),
        default="seeks",
        show_default=True,
        help="Research network: 'seeks' = source went to target (target provides).",
    )
    @click.option("--weight-column", help="Research network: edge column with the tie value.")
    @click.option(
        "--weight-as",
        type=click.Choice(["frequency", "closeness"]),
        default="frequency",
        show_default=True,
        help="Research network: read the tie value as deliveries/month or closeness.",
    )
    @click.option(
        "--reports-to",
        type=click.Path(path_type=Path),
        help="Research network: edge list of who reports to whom.",
    )
    @click.option("--encoding", help="Text encoding of CSV/JSON files (default UTF-8).")
    @click.option(
        "--format-in",
        type=click.Choice(["auto", "viva-p2p", "viva-g2g"]),
        default="auto",
        show_default=True,
        help="Input format: auto (organization or edge list) or a Viva Insights query "
        "(person-to-person or group-to-group).",
    )
    @click.option(
        "--hr-attribute",
        help="Viva Insights: the HR attribute whose PrimaryCollaborator_/SecondaryCollaborator_ "
        "columns give the departments (e.g. Organization).",
    )
    @click.option(
        "--rating-scale",
        "rating_scale",
        multiple=True,
        metavar="[COLUMN=]LOW-HIGH",
        help="The scale survey ratings were collected on, mapped to 1-5 by "
        "r' = 1 + 4 (r - LOW) / (HIGH - LOW): e.g. 1-7 for every rating, "
        "satisfaction=0-10 for one column (repeatable).",
    )
    @click.option(
        "--max-rows",
        type=click.IntRange(min=1),
        default=Limits.max_rows,
        show_default=True,
        metavar="N",
        help="The most rows one input table may hold (a safety limit: raise it for your own "
        "large files, e.g. a 1,000,000-person organization's 10 million handoffs).",
    )
    @click.option(
        "--max-mb",
        type=click.IntRange(min=1),
        default=Limits.max_bytes // 2**20,
        show_default=True,
        metavar="M",
        help="The most megabytes read for one organization (files, or an archive's contents).",
    )
    @functools.wraps(f)
    def wrapper(
        path,
        nodes,
        unit_column,
        direction,
        weight_column,
        weight_as,
        reports_to,
        encoding,
        format_in,
        hr_attribute,
        rating_scale,
        max_rows,
        max_mb,
        **kwargs,
    ):
        limits = replace(Limits(), max_rows=max_rows, max_bytes=max_mb * 2**20)
        try:
            scales = rating_scales(rating_scale) or None
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--rating-scale") from None
        if format_in != "auto":
            loader = functools.partial(
                readwrite.load_viva,
                path,
                format=format_in,
                hr_attribute=hr_attribute,
                weight_column=weight_column,
                weight_as=weight_as,
                encoding=encoding,
                rating_scale=scales,
                limits=limits,
            )
            return f(loader=loader, path=path, **kwargs)
        if hr_attribute is not None:
            raise click.BadParameter(
                "--hr-attribute is for Viva Insights queries (--format-in viva-p2p or viva-g2g)",
                param_hint="--hr-attribute",
            )
        research = (
            nodes is not None
            or unit_column is not None
            or (
                path.is_file()
                and path.suffix.lower() in (".csv", ".txt")
                and path.stem not in ("units", "handoffs", "deliveries")
            )
        )
        if research:
            loader = functools.partial(
                readwrite.load_network,
                path,
                nodes=nodes,
                unit_column=unit_column,
                direction=direction,
                weight_column=weight_column,
                weight_as=weight_as,
                reports_to=reports_to,
                encoding=encoding,
                rating_scale=scales,
                limits=limits,
            )
        else:
            loader = functools.partial(
                readwrite.load, path, encoding=encoding, rating_scale=scales, limits=limits
            )
        return f(loader=loader, path=path, **kwargs)

    return wrapper


def _load_for_serving(path, *, cache=True, key=None):
    """The organization to serve: from the cache when the same bytes were served before
    (``key``: theirs, from :func:`orggraph.cache.cached_load_key`).

    Never in privacy mode: no copy of people's data is written beyond the input.
    """
    if not cache:
        return readwrite.load(path)
    from .cache import cached_load

    return cached_load(path, key=key)


def _cached_input(path) -> str | None:
    from .cache import cached_load_key

    return cached_load_key(path)


def _load_or_exit(loader, as_json):
    try:
        return loader()
    except ValidationError as exc:
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "valid": False,
                        "errors": [p.to_dict() for p in exc.problems],
                        "warnings": [p.to_dict() for p in exc.warnings],
                    },
                    indent=1,
                )
            )
        else:
            click.echo(_problems_text(exc.problems, exc.warnings), err=True)
        sys.exit(1)
    except OrgGraphError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


def _problems_text(errors, warnings, *, max_same=5) -> str:
    lines = []
    if errors:
        lines.append(
            click.style(
                f"{len(errors)} error{'s' if len(errors) != 1 else ''} "
                "- nothing was analysed. Fix these and run again:",
                fg="red",
                bold=True,
            )
        )
        lines += [
            f"  {p.location}: " + (f"{p.value!r}: " if p.value else "") + p.message for p in errors
        ]
    if warnings:
        lines.append(
            click.style(f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}:", fg="yellow")
        )
        by_code = defaultdict(list)
        for p in warnings:
            by_code[p.code].append(p)
        for items in by_code.values():
            for p in items[:max_same]:
                lines.append(
                    f"  {p.location}: " + (f"{p.value!r}: " if p.value else "") + p.message
                )
            if len(items) > max_same:
                lines.append(
                    f"  ... and {len(items) - max_same} more like this (--json lists them all)"
                )
    return "\n".join(lines)


class Progress:
    """Shows the running step on stderr once the work has taken more than ``after`` seconds.

    Quick runs print nothing; a long one prints each step as it starts (and the step that
    was already running when the two seconds passed), so a person sees it is working, and
    says the step is still running after ``still`` seconds without a line (loading a
    million people takes minutes).
    """

    def __init__(self, after=2.0, every=0.5, still=10.0):
        import threading

        self.after, self.every, self.still = after, every, still
        self.step, self.shown = None, None
        self.start = self.last = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self):
        import time

        self.start = self.last = time.perf_counter()
        self._thread.start()
        return self

    def __call__(self, step):
        self.step = step
        self._show()

    def _show(self):
        import time

        now = time.perf_counter()
        elapsed = now - self.start
        if elapsed >= self.after and self.step != self.shown:
            self.shown, self.last = self.step, now
            click.echo(f"[{elapsed:6.1f} s] {self.step} ...", err=True)
        elif self.shown is not None and now - self.last >= self.still:
            self.last = now
            click.echo(f"[{elapsed:6.1f} s] {self.shown} (still running)", err=True)

    def _watch(self):
        while not self._stop.wait(self.every):
            self._show()

    def __exit__(self, kind, value, tb):
        self._stop.set()
        self._thread.join()
        if kind is not None and issubclass(kind, MemoryError):
            # A clear stop instead of a traceback: which step, and what helps.
            click.echo(
                f"error: out of memory during {self.step or 'the analysis'} "
                f"({value or 'an allocation failed'}). Nothing was written. Try a machine "
                "with more memory, or analyse part of the organization (its largest "
                "departments one at a time).",
                err=True,
            )
            sys.exit(1)
        return False


def _n(count, word, plural=None):
    return f"{count} {word if count == 1 else (plural or word + 's')}"


# --------------------------------------------------------------------- group
@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="orggraph")
def main():
    """orggraph: map how work flows between internal customers and where it breaks."""


@main.command()
@input_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def validate(loader, path, as_json):
    """Check an organization file and list every problem with its location."""
    org = _load_or_exit(loader, as_json)
    if as_json:
        click.echo(
            json.dumps(
                {"valid": True, "errors": [], "warnings": [p.to_dict() for p in org.warnings]},
                indent=1,
            )
        )
        return
    click.echo(
        click.style(f"{path}: valid", fg="green", bold=True)
        + f" ({len(org.units)} units, {len(org.handoffs)} handoffs, "
        f"{len(org.deliveries)} deliveries)"
    )
    if org.warnings:
        click.echo(_problems_text([], org.warnings))


@main.command()
@input_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--min-group-size",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    metavar="K",
    help="Suppress the headcount of a department of fewer than K people.",
)
def summary(loader, path, as_json, min_group_size):
    """Counts by kind, departments with headcount, handoffs inside vs across, density."""
    from .summary import summary as make_summary

    org = _load_or_exit(loader, as_json)
    s = make_summary(org, min_group_size=min_group_size)
    if as_json:
        click.echo(json.dumps(s, indent=1))
        return
    click.echo(click.style(f"{s['name']}", bold=True))
    k = s["kinds"]
    click.echo(
        f"  units        {s['units']:>7}  ({_n(k['department'], 'department')}, "
        f"{_n(k['team'], 'team')}, {_n(k['person'], 'person', 'people')}, "
        f"{k['external']} external)"
    )
    click.echo(
        f"  handoffs     {s['handoffs']:>7}  ({s['handoffs_inside']} inside departments, "
        f"{s['handoffs_across']} across)"
    )
    click.echo(
        f"  density      {s['density']:>7.4f}  (unit graph; department graph "
        f"{s['department_density']:.3f})"
    )
    if s["self_ties_dropped"]:
        click.echo(f"  self-ties    {s['self_ties_dropped']:>7}  (in the edge list, dropped)")
    click.echo(
        f"  deliveries   {s['deliveries']:>7}"
        + (f"  ({s['open_deliveries']} open)" if s["open_deliveries"] else "")
    )
    if s["warnings"]:
        click.echo(f"  warnings     {s['warnings']:>7}  (orggraph validate shows them)")
    if s["departments"]:
        width = max(len(d["name"]) for d in s["departments"])
        click.echo(
            click.style("  departments", bold=True) + " " * max(0, width - 9) + "  people  teams"
        )
        hidden = 0
        for d in s["departments"]:
            if d["suppressed"]:
                hidden += 1
                click.echo(f"    {d['name']:<{width}}  {'suppressed':>13}")
            else:
                click.echo(f"    {d['name']:<{width}}  {d['headcount']:>6}  {d['teams']:>5}")
        if hidden:
            click.echo(
                f"  {_n(hidden, 'department')} of fewer than {min_group_size} people: "
                "headcount suppressed (--min-group-size)"
            )


def _thresholds_or_fail(config, overrides):
    from .analysis import load_thresholds

    pairs = {}
    for item in overrides:
        if "=" not in item:
            raise click.BadParameter(f"{item!r}: expected NAME=VALUE", param_hint="--threshold")
        k, v = item.split("=", 1)
        pairs[k.strip()] = v.strip()
    try:
        return load_thresholds(config, pairs)
    except OrgGraphError as exc:
        raise click.BadParameter(str(exc), param_hint="--config/--threshold") from None


def _read_key(key_file, *, create=True) -> bytes:
    """The secret key of --pseudonymize (--key-file; created, owner-only, when missing) or
    of serve --privacy-key (never created). Errors name the file, never its content."""
    from .readwrite import events as ev

    try:
        key, created = ev.read_key(key_file, create=create)
    except OSError as exc:
        raise OrgGraphError(f"cannot read the key file {key_file}: {exc.strerror}") from None
    if not key:
        raise OrgGraphError(f"the key file {key_file} is empty")
    if created:
        click.echo(
            f"wrote a new secret key to {key_file}: keep it (and keep it private) to "
            "get the same pseudonyms next time",
            err=True,
        )
    return key


def _privacy_rule(min_group_size, pseudonymize, key_file):
    """organization -> the same under the privacy rules (orggraph.privacy.private_org)."""
    from .privacy import Pseudonymizer, private_org

    if pseudonymize != (key_file is not None):
        raise click.UsageError("--pseudonymize and --key-file go together")
    pz = None
    if pseudonymize:
        try:
            pz = Pseudonymizer(_read_key(key_file))
        except OrgGraphError as exc:
            raise click.BadParameter(str(exc), param_hint="--key-file") from None
    return functools.partial(private_org, pseudonymizer=pz, k=min_group_size)


def _pseudonymize_options(f):
    """--pseudonymize and --key-file, as `orggraph ingest` has them."""
    f = click.option(
        "--key-file",
        type=click.Path(path_type=Path, dir_okay=False),
        help="The secret key for --pseudonymize (created, owner-only, if it does not exist).",
    )(f)
    return click.option(
        "--pseudonymize",
        is_flag=True,
        help="Replace person ids and names by keyed hashes (HMAC-SHA256) in everything written.",
    )(f)


def _analysis_options(f):
    """--seed, --config and --threshold, as `orggraph analyze` has them, and the privacy
    options --min-group-size, --pseudonymize and --key-file: these reach the command as
    ``private``, which puts a loaded organization under the privacy rules."""

    command = f

    @functools.wraps(command)
    def wrapper(*args, min_group_size, pseudonymize, key_file, **kwargs):
        private = _privacy_rule(min_group_size, pseudonymize, key_file)
        return command(*args, private=private, **kwargs)

    f = _pseudonymize_options(wrapper)
    f = click.option(
        "--min-group-size",
        type=click.IntRange(min=1),
        default=5,
        show_default=True,
        metavar="K",
        help="Suppress every figure of a group (department) of fewer than K people.",
    )(f)
    f = click.option(
        "--threshold",
        "overrides",
        multiple=True,
        metavar="NAME=VALUE",
        help="Change one threshold, e.g. --threshold silo_odds_ratio_min=3 (repeatable).",
    )(f)
    f = click.option(
        "--config", type=click.Path(path_type=Path), help="TOML file with [thresholds]."
    )(f)
    return click.option(
        "--seed",
        type=int,
        default=0,
        show_default=True,
        help="Seed for permutation tests, communities and sampling.",
    )(f)


@main.command()
@input_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="How many findings to show (JSON: --top 0 is not allowed; all are counted).",
)
@_analysis_options
@click.option(
    "--fast/--exact",
    "fast",
    default=None,
    help="Estimate betweenness by sampling (default: only for large organizations).",
)
@click.option(
    "--sources",
    type=click.IntRange(min=2),
    default=None,
    help="How many units to sample when betweenness is estimated (default: as many as "
    "110 s on 2 cores allow, at least 1000; 1000 with --fast or --time-budget).",
)
@click.option(
    "--time-budget",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Seconds for the analysis: exact when it fits, else estimated within it.",
)
@click.option(
    "--cache/--no-cache",
    default=True,
    show_default=True,
    help="Reuse the result of the same input and settings (user cache folder).",
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the report here.")
def analyze(
    loader,
    path,
    fmt,
    top,
    config,
    overrides,
    seed,
    fast,
    sources,
    time_budget,
    cache,
    output,
    private,
):
    """Ranked findings: silos, bottlenecks and critical handoffs, with evidence."""

    from . import report
    from .analysis import analyze as run_analysis

    thresholds = _thresholds_or_fail(config, overrides)
    with Progress() as progress:
        progress("loading and validating")
        org = private(_load_or_exit(loader, fmt == "json"))
        settings = dict(
            thresholds=thresholds,
            seed=seed,
            fast="auto" if fast is None else fast,
            sources=sources,
            time_budget=time_budget,
        )
        hit = False
        if cache:
            from .cache import cached_analyze

            try:
                result, hit = cached_analyze(org, progress=progress, **settings)
            except (OrgGraphError, OSError) as exc:
                click.echo(f"cache not used: {exc}", err=True)
                cache = False
        if not cache:
            result = run_analysis(org, progress=progress, **settings)
    click.echo(f"shortest paths: {result.estimates['choice']}", err=True)
    if hit:
        click.echo("from the analysis cache (same input, same settings)", err=True)
    render = {"text": report.to_text, "markdown": report.to_markdown, "json": report.to_json}[fmt]
    text = render(result, org, top=top)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text)


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to listen on. Anything but loopback needs sign-in (--users or "
    "--trusted-user-header); see docs/security.md.",
)
@click.option("--port", type=int, default=8050, show_default=True)
@click.option(
    "--threads",
    type=click.IntRange(min=1, max=256),
    default=8,
    show_default=True,
    help="Requests served in parallel (waitress threads).",
)
@click.option(
    "--max-upload-mb",
    type=click.FloatRange(min=0.01),
    default=20,
    show_default=True,
    help="Largest upload accepted (the browser refuses larger files with a message).",
)
@click.option(
    "--cache-mb",
    type=click.FloatRange(min=1),
    default=512,
    show_default=True,
    help="Memory that uploaded organizations may hold together (estimated).",
)
@click.option(
    "--users",
    "users_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="TOML file of users and password hashes: sign-in required.",
)
@click.option(
    "--trusted-user-header",
    metavar="NAME",
    help="Single sign-on: the header in which a reverse proxy names the signed-in user "
    "(e.g. X-Forwarded-User), honoured only from --trusted-proxy addresses.",
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    metavar="ADDR",
    help="Address of the reverse proxy allowed to set --trusted-user-header (repeatable; "
    "default 127.0.0.1 and ::1).",
)
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME",
    help="Host name users reach the server by (repeatable); other Host headers are refused. "
    "Default: localhost and the --host address.",
)
@click.option(
    "--session-minutes",
    type=click.FloatRange(min=1),
    default=480,
    show_default=True,
    help="Sign in again after this long.",
)
@click.option(
    "--secure-cookies",
    is_flag=True,
    help="Send cookies over HTTPS only (behind a TLS reverse proxy).",
)
@click.option(
    "--privacy",
    is_flag=True,
    help="Privacy mode: person names and ids replaced by pseudonyms in every page and "
    "download, and figures of departments under --min-group-size people suppressed.",
)
@click.option(
    "--min-group-size",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Privacy mode: the smallest group whose figures are shown.",
)
@click.option(
    "--privacy-key",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="ORGGRAPH_PRIVACY_KEY_FILE",
    show_envvar=True,
    help="Privacy mode with pseudonyms that stay the same across restarts: the secret key "
    "file (as --key-file of ingest and the other commands, which give the same pseudonyms "
    "with it). Implies --privacy. Without it each start draws a new random key.",
)
def serve(
    path,
    host,
    port,
    threads,
    max_upload_mb,
    cache_mb,
    users_file,
    trusted_user_header,
    trusted_proxies,
    allowed_hosts,
    session_minutes,
    secure_cookies,
    privacy,
    min_group_size,
    privacy_key,
):
    """Serve the interactive web view of the organization at PATH (waitress)."""
    from .web import security
    from .web.privacy import PrivacyMode

    mode_of_privacy = None
    if privacy or privacy_key is not None:
        try:  # the key stays in this process: never printed, logged or sent to a browser
            key = {} if privacy_key is None else {"key": _read_key(privacy_key, create=False)}
            mode_of_privacy = PrivacyMode(k=min_group_size, **key)
        except OrgGraphError as exc:
            raise click.BadParameter(str(exc), param_hint="--privacy-key") from None
        privacy = True

    try:
        users = security.load_users(users_file) if users_file else {}
    except OrgGraphError as exc:
        raise click.BadParameter(str(exc), param_hint="--users") from None
    settings = security.Settings(
        users=users,
        user_header=trusted_user_header,
        trusted_proxies=tuple(trusted_proxies) or security.Settings.trusted_proxies,
        allowed_hosts=tuple(allowed_hosts),
        session_minutes=session_minutes,
        secure_cookies=secure_cookies,
    )
    problems = security.serving_problems(host, settings)
    if problems:
        for p in problems:
            click.echo(f"error: {p}", err=True)
        sys.exit(2)
    settings.allowed_hosts = settings.allowed_hosts or security.default_allowed_hosts(host)
    org, loader, warm, input_key = None, None, True, None
    if mode_of_privacy is None:
        input_key = _cached_input(path)
    if input_key is not None:
        # These bytes loaded without errors before: answer at once and read them (and
        # their analysis) from the cache while the browser loads its scripts.
        loader, warm = functools.partial(_load_for_serving, key=input_key), "background"
    else:
        # Errors listed before any server starts; the organization is then served as loaded.
        org = _load_or_exit(lambda: _load_for_serving(path, cache=mode_of_privacy is None), False)
        if mode_of_privacy is None:  # now in the cache: its first page is kept for next time
            from .cache import loaded_key

            input_key = loaded_key(org)
    import logging

    from .web import create_app
    from .web.server import serve as run

    # Sign-ins, refused requests and uploads, on stderr (the server's audit trail).
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("orggraph.web").setLevel(logging.INFO)

    app = create_app(
        path,
        max_upload_mb=max_upload_mb,
        cache_mb=cache_mb,
        settings=settings,
        privacy=mode_of_privacy,
        organization=org,
        loader=loader,
        warm=warm,
        cached_input=input_key,
    )
    if not security.is_loopback(host) and not secure_cookies:
        click.echo(
            "warning: passwords and cookies travel unencrypted; put a TLS reverse proxy in "
            "front and pass --secure-cookies (docs/security.md)",
            err=True,
        )
    mode = "sign-in required" if settings.sign_in else "no sign-in (this machine only)"
    if privacy:
        mode += f"; privacy mode, minimum group size {min_group_size}"
        mode += ", stable pseudonyms (key file)" if privacy_key else ", new pseudonyms each start"

    def listening(h, p):
        click.echo(
            f"orggraph: serving {path.name} at http://{h}:{p}/ ({mode}; Ctrl+C to stop)",
            err=True,
        )

    run(app, host=host, port=port, threads=threads, on_listen=listening)


@main.command()
@click.option("--people", type=click.IntRange(min=10), required=True, help="How many people.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.argument("out", type=click.Path(path_type=Path))
def generate(people, seed, out):
    """Write a realistic synthetic organization of N people to the folder OUT (CSV)."""
    from .synthetic import generate as make
    from .synthetic import write_generated

    tables = make(people, seed=seed)
    write_generated(tables, out)
    click.echo(
        f"wrote {out}: {len(tables['units'])} units, {len(tables['handoffs'])} "
        f"handoffs, {len(tables['deliveries'])} deliveries"
    )


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
def template(folder):
    """Write an empty workbook (with an explanation sheet) and empty CSVs to FOLDER."""
    for p in readwrite.write_template(folder):
        click.echo(f"wrote {p}")


@main.command()
@click.argument("events", type=click.Path(path_type=Path))
@click.option(
    "--hris",
    type=click.Path(path_type=Path, dir_okay=False),
    help="HRIS table (CSV or xlsx): id, name, manager, department, title, location, "
    "start, end. Required for event logs.",
)
@click.option(
    "-o", "--output", "out", type=click.Path(path_type=Path), required=True, help="Output folder."
)
@click.option(
    "--period",
    type=click.Choice(["month", "quarter"]),
    help="One organization folder per calendar month or quarter (default: one for the window).",
)
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "spark"]),
    default="duckdb",
    show_default=True,
    help="SQL engine: embedded DuckDB, or Spark (pip install 'orggraph[spark]', Java).",
)
@click.option("--master", help="Spark master URL (default local[*]).")
@click.option(
    "--max-recipients",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="Messages with more recipients are mass mails and left out (counted).",
)
@click.option("--start", help="Study window start (date, inclusive).")
@click.option("--end", help="Study window end (date, exclusive).")
@click.option(
    "--kind",
    default="message",
    show_default=True,
    help="The deliverable name when the log has no kind column.",
)
@click.option(
    "--department-column", help="HRIS column naming the department (default: department)."
)
@click.option(
    "--memory-limit", help="DuckDB memory limit, e.g. 3GB (beyond it DuckDB spills to disk)."
)
@click.option(
    "--format-in",
    type=click.Choice(["events", "viva-p2p", "viva-g2g"]),
    default="events",
    show_default=True,
    help="EVENTS is a collaboration log, or a Viva Insights query (then --hris is not needed).",
)
@click.option("--hr-attribute", help="Viva Insights: the HR attribute giving departments.")
@click.option("--weight-column", help="Viva Insights: the metric column.")
@_pseudonymize_options
@click.option("--json", "as_json", is_flag=True, help="Print the ingest report as JSON.")
def ingest(
    events,
    hris,
    out,
    period,
    engine,
    master,
    max_recipients,
    start,
    end,
    kind,
    department_column,
    memory_limit,
    format_in,
    hr_attribute,
    weight_column,
    pseudonymize,
    key_file,
    as_json,
):
    """Aggregate a collaboration log (or a Viva Insights query) and an HRIS table into
    organization folders."""
    from . import ingest as ing  # deliberate lazy load: DuckDB only for this command

    if pseudonymize != (key_file is not None):
        raise click.UsageError("--pseudonymize and --key-file go together")
    try:
        key = _read_key(key_file) if pseudonymize else None
        if format_in != "events":
            report = ing.ingest_viva(
                events,
                out,
                format=format_in,
                period=period,
                hr_attribute=hr_attribute,
                weight_column=weight_column,
                key=key,
            )
        else:
            if hris is None:
                raise click.UsageError("an event log needs --hris (the people and departments)")
            report = ing.ingest(
                events,
                hris,
                out,
                period=period,
                engine=engine,
                master=master,
                start=start,
                end=end,
                max_recipients=max_recipients,
                kind=kind,
                department_column=department_column,
                key=key,
                memory_limit=memory_limit,
            )
    except ValidationError as exc:
        click.echo(_problems_text(exc.problems, exc.warnings), err=True)
        sys.exit(1)
    except OrgGraphError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(report, indent=1, default=str))
        return
    click.echo(ing.report_text(report))


@main.command()
@input_options
@click.argument("out", type=click.Path(path_type=Path))
def convert(loader, path, out):
    """Write the organization at PATH to OUT: a folder (CSV), .xlsx, .ods or .json."""
    org = _load_or_exit(loader, False)
    click.echo(f"wrote {readwrite.write(org, out)}")


# ------------------------------------------- deliverables: report, export, compare
def _same_options(loader, path):
    """A loader for another snapshot, read with the same options as the first."""
    return functools.partial(loader.func, path, *loader.args[1:], **loader.keywords)


@main.command()
@input_options
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The HTML file to write (self-contained: opens offline).",
)
@click.option("--pdf", is_flag=True, help="Also print a PDF beside it (headless Chromium).")
@click.option(
    "--paper",
    type=click.Choice(["A4", "Letter"]),
    default="A4",
    show_default=True,
    help="Page size of the PDF.",
)
@click.option(
    "--compare",
    "before",
    type=click.Path(path_type=Path),
    help="An earlier snapshot (read like PATH): adds a 'What changed' section.",
)
@click.option("--top", type=click.IntRange(min=1), default=None, help="Show only the top N.")
@_analysis_options
def report(loader, path, output, pdf, paper, before, top, seed, config, overrides, private):
    """Write the analysis as one self-contained HTML report (and a PDF with --pdf)."""
    from .analysis import analyze as run_analysis
    from .htmlreport import to_html
    from .readwrite.exports import write_html, write_pdf

    thresholds = _thresholds_or_fail(config, overrides)
    with Progress() as progress:
        progress("loading and validating")
        org = private(_load_or_exit(loader, False))
        result = run_analysis(org, thresholds=thresholds, seed=seed, progress=progress)
        comparison = None
        if before is not None:
            from .compare import compare

            progress("comparing with the earlier snapshot")
            old = private(_load_or_exit(_same_options(loader, before), False))
            comparison = compare(
                old,
                org,
                after_analysis=result,
                labels=(before.stem or str(before), path.stem or str(path)),
                seed=seed,
                thresholds=thresholds,
            )
        progress("writing the report")
        html = to_html(result, org, comparison=comparison, top=top)
        click.echo(f"wrote {write_html(html, output)}", err=True)
        if pdf:
            progress("printing the PDF")
            paged = to_html(result, org, comparison=comparison, top=top, paper=paper)
            try:
                target = write_pdf(paged, output.with_suffix(".pdf"))
            except OrgGraphError as exc:
                click.echo(f"error: {exc}", err=True)
                sys.exit(1)
            click.echo(f"wrote {target}", err=True)


@main.command()
@input_options
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["graphml", "gexf", "xlsx"]),
    default=None,
    help="Output format (default: from OUT's suffix).",
)
@_analysis_options
def export(loader, path, out, fmt, seed, config, overrides, private):
    """Write the organization and its analysis for Gephi, yEd, Cytoscape or Excel."""
    from .analysis import analyze as run_analysis
    from .export import FORMATS, annotated_graph, workbook_tables
    from .readwrite.exports import write_graph, write_xlsx

    fmt = fmt or out.suffix.lower().lstrip(".")
    if fmt not in ("graphml", "gexf", "xlsx"):
        raise click.BadParameter(
            f"cannot tell the format from {out.name!r}: pass --format graphml|gexf|xlsx",
            param_hint="--format",
        )
    thresholds = _thresholds_or_fail(config, overrides)
    with Progress() as progress:
        progress("loading and validating")
        org = private(_load_or_exit(loader, False))
        result = run_analysis(org, thresholds=thresholds, seed=seed, progress=progress)
        progress(f"writing {fmt}")
        if fmt == "xlsx":
            written = write_xlsx(workbook_tables(org, result), out, FORMATS)
        else:
            written = write_graph(annotated_graph(org, result), out, fmt)
    click.echo(f"wrote {written}", err=True)


def _periods(path):
    """The period folders (or files) inside a folder of snapshots, in name order."""
    if not path.is_dir() or any((path / f"{t}.csv").exists() for t in ("units", "handoffs")):
        return [path]
    inside = sorted(
        p
        for p in path.iterdir()
        if not p.name.startswith(".")
        and (p.is_dir() or p.suffix.lower() in (".xlsx", ".zip", ".json"))
    )
    return inside or [path]


@main.command()
@input_options
@click.argument("others", nargs=-1, type=click.Path(path_type=Path), metavar="AFTER [MORE]...")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--permutations",
    type=click.IntRange(min=99),
    default=9999,
    show_default=True,
    help="Shuffles of the per-department test.",
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write it here.")
@_analysis_options
def compare(loader, path, others, fmt, permutations, output, seed, config, overrides, private):
    """What changed between snapshots: BEFORE AFTER, or three or more for a trend."""
    from . import compare as cmp

    paths = [path, *others] if others else _periods(path)
    if len(paths) < 2:
        raise click.UsageError("give two snapshots (BEFORE AFTER), more, or a folder of periods")
    thresholds = _thresholds_or_fail(config, overrides)
    labels = [p.stem or str(p) for p in paths]
    if len(set(labels)) < len(labels):
        labels = [str(p) for p in paths]
    with Progress() as progress:
        orgs = []
        for p in paths:
            progress(f"loading {p}")
            orgs.append(private(_load_or_exit(_same_options(loader, p), fmt == "json")))
        progress("analysing and comparing")
        if len(orgs) == 2:
            result = cmp.compare(
                *orgs,
                labels=labels,
                seed=seed,
                permutations=permutations,
                thresholds=thresholds,
            )
            render = {"text": cmp.to_text, "markdown": cmp.to_markdown, "json": cmp.to_json}
        else:
            result = cmp.trend(orgs, labels=labels, seed=seed, thresholds=thresholds)
            render = {
                "text": cmp.trend_text,
                "markdown": cmp.trend_markdown,
                "json": cmp.to_json,
            }
    text = render[fmt](result)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text)


if __name__ == "__main__":  # pragma: no cover
    main()
