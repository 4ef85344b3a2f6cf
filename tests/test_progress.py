"""Progress on stderr: silent for quick work, shown once work passes the threshold."""

from __future__ import annotations

import time

import pytest

from orggraph.cli import Progress


def test_quick_work_prints_nothing(capsys):
    with Progress(after=2.0) as p:
        p("step one")
        p("step two")
    assert capsys.readouterr().err == ""


def test_long_work_shows_the_running_step(capsys):
    with Progress(after=0.2, every=0.05) as p:
        p("loading")
        time.sleep(0.4)  # passes the threshold while "loading" runs
        p("centrality")
    err = capsys.readouterr().err
    assert "loading ..." in err and "centrality ..." in err
    assert err.index("loading") < err.index("centrality")


def test_a_long_silent_step_is_said_to_be_still_running(capsys):
    with Progress(after=0.0, every=0.01, still=0.1) as p:
        p("loading")
        time.sleep(0.35)  # no other line meanwhile: about three reminders
        p("centrality")
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].endswith("loading ...") and lines[-1].endswith("centrality ...")
    reminders = [line for line in lines if line.endswith("loading (still running)")]
    assert 2 <= len(reminders) <= 4 and len(lines) == len(reminders) + 2


def test_out_of_memory_is_a_clear_stop_not_a_traceback(capsys):
    from orggraph.cli import Progress

    with pytest.raises(SystemExit) as stop, Progress() as progress:
        progress("centrality")
        raise MemoryError("Unable to allocate 1.97 GiB")
    assert stop.value.code == 1
    err = capsys.readouterr().err
    assert "out of memory during centrality" in err and "1.97 GiB" in err
    assert "Traceback" not in err
