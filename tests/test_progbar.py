"""Progbar: Keras 3's exact line layout, redraw logic and metric averaging."""
import logging
import re

import pytest

from minikeras.utils import Progbar
from minikeras.utils import progbar as progbar_mod

BAR20 = "━" * 20
FINAL_V1 = ("\x1b[1m32/32\x1b[0m \x1b[32m" + BAR20 + "\x1b[0m\x1b[37m\x1b[0m \x1b[1m0s\x1b[0m "
            "2ms/step - accuracy: 0.8125 - loss: 0.5123\n")
FINAL_V2 = "32/32 - 0s - 2ms/step - accuracy: 0.8125 - loss: 0.5123\n"


class FakeClock:
    """`time.time()` for the progbar module: returns `now`, which the test moves."""

    def __init__(self):
        self.now = 0.0

    def time(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    c = FakeClock()
    monkeypatch.setattr(progbar_mod, "time", c)
    return c


def display(monkeypatch, dynamic):
    monkeypatch.setattr(progbar_mod, "dynamic_display", lambda: dynamic)


def render(text):
    """What a terminal shows: `\\b` and everything before a `\\r` on a line are overwritten."""
    lines = text.replace("\b", "").split("\n")
    return [line.rsplit("\r", 1)[-1].rstrip(" ") for line in lines]


def run_epoch(pb, clock, steps=32, first=0.3, per_step=0.002, values=None):
    """Steps 1..steps: the first takes `first` seconds, the others `per_step` each."""
    values = values or [("accuracy", 0.8125), ("loss", 0.5123)]
    for i in range(1, steps + 1):
        clock.now = first + per_step * (i - 1)
        pb.update(i, values, finalize=False)
    pb.update(steps, values, finalize=True)


def test_verbose1_non_interactive_prints_only_the_final_line(clock, monkeypatch, capsys):
    display(monkeypatch, False)
    pb = Progbar(32, stateless_metrics=set())
    run_epoch(pb, clock)
    out = capsys.readouterr().out
    assert out == FINAL_V1
    assert "\r" not in out and "\b" not in out


def test_verbose2_prints_one_line(clock, monkeypatch, capsys):
    display(monkeypatch, True)
    pb = Progbar(32, verbose=2, stateless_metrics=set())
    run_epoch(pb, clock)
    assert capsys.readouterr().out == FINAL_V2


def test_verbose0_is_silent(clock, capsys):
    run_epoch(Progbar(32, verbose=0), clock)
    assert capsys.readouterr().out == ""


def test_verbose1_interactive_redraws_in_place_throttled(clock, monkeypatch, capsys):
    display(monkeypatch, True)
    pb = Progbar(32, stateless_metrics=set())
    run_epoch(pb, clock)
    out = capsys.readouterr().out
    # Step 1 is drawn, then one redraw per 0.05 s (25 steps of 2 ms), then the final bar.
    assert out.count("\r") == 3 and out.count("\n") == 1 and out.endswith("\n")
    assert render(out) == render(FINAL_V1)
    first = out.split("\b")[0]
    # ETA after step 1: 0.3 s/step * 31 steps to go = 9 s.
    assert first == ("\r\x1b[1m 1/32\x1b[0m \x1b[37m" + BAR20 + "\x1b[0m \x1b[1m9s\x1b[0m "
                     "300ms/step - accuracy: 0.8125 - loss: 0.5123")
    # The redraw first backspaces over the previous visible width.
    visible = len(re.sub(r"\x1b\[\d+m", "", first)) - 1
    assert out[len(first):len(first) + visible + 1] == "\b" * visible + "\r"


def test_shorter_redraw_is_padded_with_spaces(clock, monkeypatch, capsys):
    display(monkeypatch, True)
    pb = Progbar(3, interval=0, stateless_metrics=set())
    clock.now = 1.0
    pb.update(1, [("loss", 123.4567)])
    clock.now = 3.0
    pb.update(3, [("loss", 0.5)])
    out = capsys.readouterr().out
    last = out.split("\r")[-1]
    # Two characters shorter ("123.4567" vs "0.5000"): padded with two spaces to cover them.
    assert last.endswith("1s/step - loss: 0.5000  \n")


def test_progress_bar_fill(clock, monkeypatch, capsys):
    display(monkeypatch, True)
    pb = Progbar(10, width=10, interval=0)
    clock.now = 1.0
    pb.update(3)
    out = capsys.readouterr().out
    assert "\x1b[32m━━━\x1b[0m\x1b[37m━━━━━━━\x1b[0m" in out
    assert out.startswith("\r\x1b[1m 3/10\x1b[0m ")


def test_stateless_metrics_are_averaged_over_steps(clock, monkeypatch, capsys):
    display(monkeypatch, True)
    pb = Progbar(4, interval=0)  # no stateful metrics: everything is averaged
    pb.update(1, [("loss", 1.0)])
    pb.update(3, [("loss", 4.0)])  # weight 2: (1*1 + 4*2) / 3 = 3
    assert render(capsys.readouterr().out)[-1].endswith("loss: 3.0000")
    pb.update(4, [("loss", 10.0)])  # the final update shows the value as given
    assert render(capsys.readouterr().out)[-2].endswith("loss: 10.0000")


def test_stateful_metrics_are_shown_as_given(clock, monkeypatch, capsys):
    display(monkeypatch, True)
    pb = Progbar(4, interval=0, stateful_metrics=["acc"])
    pb.update(1, [("acc", 0.2), ("loss", 1.0)])
    pb.update(2, [("acc", 0.6), ("loss", 2.0)])
    assert render(capsys.readouterr().out)[-1].endswith("acc: 0.6000 - loss: 1.5000")


@pytest.mark.parametrize("value,v1,v2", [
    (0.0001, "1.0000e-04", "1.0000e-04"),
    (-0.5, "-0.5000", "-5.0000e-01"),  # verbose=2 compares avg, not abs(avg), as Keras does
    (12.0, "12.0000", "12.0000"),
])
def test_value_formats(clock, monkeypatch, capsys, value, v1, v2):
    display(monkeypatch, False)
    for verbose, expected in ((1, v1), (2, v2)):
        Progbar(1, verbose=verbose).update(1, [("m", value)])
        assert capsys.readouterr().out.rstrip("\n").endswith(f" - m: {expected}")


def test_unknown_target(clock, monkeypatch, capsys):
    display(monkeypatch, True)
    pb = Progbar(None, interval=0)
    clock.now = 0.01
    pb.update(5)
    assert capsys.readouterr().out == "\r      5/Unknown \x1b[1m0s\x1b[0m 2ms/step"


def test_add_and_unit_name(clock, monkeypatch, capsys):
    display(monkeypatch, False)
    pb = Progbar(100, verbose=2, unit_name="sample")
    clock.now = 2.5
    pb.add(50)
    pb.add(50)
    assert capsys.readouterr().out == "100/100 - 2s - 25ms/sample\n"


@pytest.mark.parametrize("seconds,text", [
    (0, " 0s/step"), (2.4, " 2s/step"), (1.0, " 1s/step"), (0.0123, " 12ms/step"),
    (5e-6, " 5us/step")])
def test_format_time(seconds, text):
    assert progbar_mod.format_time(seconds, "step") == text


@pytest.mark.parametrize("eta,text", [(9.7, "9s"), (61, "1:01"), (3700, "1:01:40")])
def test_eta_format(eta, text):
    assert progbar_mod._format_eta(eta) == text


def test_first_step_is_excluded_from_the_step_time(clock):
    pb = Progbar(10, verbose=0)
    clock.now = 1.0
    assert pb._step_duration(1, 1.0) == 1.0
    assert pb._step_duration(3, 1.2) == pytest.approx(0.1)


def test_both_metric_lists_is_an_error():
    with pytest.raises(ValueError, match="Only one of `stateful_metrics` or `stateless_metrics`"):
        Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])


def test_dynamic_display_follows_stdout(monkeypatch):
    monkeypatch.delenv("PYCHARM_HOSTED", raising=False)
    monkeypatch.delitem(__import__("sys").modules, "ipykernel", raising=False)

    class Stream:
        def __init__(self, tty):
            self.tty = tty

        def isatty(self):
            return self.tty

    monkeypatch.setattr("sys.stdout", Stream(False))
    assert not progbar_mod.dynamic_display()
    monkeypatch.setattr("sys.stdout", Stream(True))
    assert progbar_mod.dynamic_display()
    monkeypatch.setattr("sys.stdout", Stream(False))
    monkeypatch.setitem(__import__("sys").modules, "ipykernel", object())
    assert progbar_mod.dynamic_display()  # a notebook renders "\r" in place


def test_interactive_logging_off_goes_to_logging(clock, monkeypatch, capsys, caplog):
    monkeypatch.setenv("KERAS_INTERACTIVE_LOGGING", "0")
    with caplog.at_level(logging.INFO):
        Progbar(2, verbose=2).update(2)
    assert capsys.readouterr().out == ""
    assert "2/2 - 0s - 0s/step" in caplog.text
