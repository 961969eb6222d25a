"""`keras.utils.Progbar`: the progress bar that `fit`, `evaluate` and `predict` print.

Keras 3 layout, verbose=1 (ANSI bold/green/white around the counter, the bar and the time):
    ` 7/32 ━━━━━━━━━━━━━━━━━━━━ 1s 2ms/step - accuracy: 0.8125 - loss: 0.5123`  (ETA while running)
    `32/32 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - accuracy: 0.8125 - loss: 0.5123`  (elapsed when done)
verbose=2, printed once when the bar finishes:
    `32/32 - 0s - 2ms/step - accuracy: 0.8125 - loss: 0.5123`

Where a carriage return redraws in place (a terminal, a Jupyter kernel, PyCharm) the verbose=1
bar is redrawn with `\\r`, at most once per `interval` seconds. Elsewhere (stdout is a file or a
pipe) only the finished bar is printed, so a log holds one clean line per epoch; after `\\r`
processing Keras's output is the same text.
"""
import logging
import math
import os
import re
import sys
import time

import numpy as onp

from minikeras.engine import config

_BOLD, _RESET, _GREEN, _WHITE = "\x1b[1m", "\x1b[0m", "\x1b[32m", "\x1b[37m"
_ANSI = re.compile(r"\x1b\[\d+m")


def print_msg(message, line_break=True):
    """Writes `message` to stdout, or to `logging.info` when interactive logging is disabled."""
    message = str(message)
    if not config.is_interactive_logging_enabled():
        logging.info(message)
        return
    message = message + "\n" if line_break else message
    try:
        sys.stdout.write(message)
    except UnicodeEncodeError:  # a non-UTF-8 console: fall back to Keras 2's "=" bar
        encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
        sys.stdout.write(message.replace("━", "=").encode(encoding, errors="ignore").decode(encoding))
    sys.stdout.flush()


def dynamic_display():
    """Whether `\\r` redraws the line in place: a TTY, a Jupyter kernel or PyCharm's console."""
    try:
        tty = bool(sys.stdout.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        tty = False
    return tty or "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ


def format_time(seconds, unit_name):
    """` 2ms/step`: whole seconds, milliseconds or microseconds per unit."""
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f" {seconds * 1000.0:.0f}ms/{unit_name}"
    return f" {seconds * 1000000.0:.0f}us/{unit_name}"


def _format_eta(eta):
    if eta > 3600:
        return "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
    if eta > 60:
        return "%d:%02d" % (eta // 60, eta % 60)
    return "%ds" % eta


def _average(entry):
    """`sum / count` of a `[sum, count]` entry (an array sum is averaged first)."""
    total, count = entry
    if not isinstance(total, float):
        total = onp.mean(total)
    return total / max(1, count)


class Progbar:
    """Displays a progress bar.

    Args:
        target: total number of steps expected, None if unknown.
        width: progress bar width on screen.
        verbose: 0 (silent), 1 (live bar), 2 (one line when finished).
        interval: minimum time in seconds between two redraws of the live bar.
        stateful_metrics: names displayed as given; every other metric is averaged over steps.
        stateless_metrics: names averaged over steps; every other metric is displayed as given.
            Give at most one of the two.
        unit_name: display name for the counted units ("step" or "sample").
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 stateless_metrics=None, unit_name="step"):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Only one of `stateful_metrics` or `stateless_metrics` can be provided. "
                "`stateful_metrics` is used to make metrics stateless by default (with an "
                "exclusion list), while `stateless_metrics` is used to make metrics stateful by "
                "default (with an exclusion list).")
        self.target, self.width, self.verbose = target, width, verbose
        self.interval, self.unit_name = interval, unit_name
        self.stateless_metrics = None if stateless_metrics is None else set(stateless_metrics)
        self.stateful_metrics = (set(stateful_metrics or ()) if stateless_metrics is None else None)
        self._dynamic_display = dynamic_display()
        self._seen_so_far = 0
        self._values = {}  # name -> [weighted sum, weight]; insertion order is display order
        self._start = time.time()
        self._last_update = 0
        self._time_after_first_step = None
        self._prev_total_width = 0

    def update(self, current, values=None, finalize=None):
        """Moves the bar to step `current`.

        Args:
            current: index of the current step (1-based count of steps done).
            values: list of `(name, value)`; stateful values are shown as given, stateless ones
                are averaged over steps (weighted by the steps since the last update).
            finalize: whether this is the last update; defaults to `current >= target`.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        self._accumulate(current, values or [], finalize)
        self._seen_so_far = current
        now = time.time()
        per_unit = self._step_duration(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            self._draw(current, now, per_unit, finalize)
        elif self.verbose == 2 and finalize and self.target is not None and self.target > 0:
            print_msg(self._summary_line(current, now, per_unit), line_break=False)
        self._last_update = now

    def add(self, n, values=None):
        """Advances the bar by `n` steps."""
        self.update(self._seen_so_far + n, values)

    # --- internals -----------------------------------------------------------------------
    def _is_stateless(self, name):
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def _accumulate(self, current, values, finalize):
        for name, value in values:
            if finalize or not self._is_stateless(name):
                self._values[name] = [value, 1]
            else:
                weight = max(current - self._seen_so_far, 1)
                total, count = self._values.get(name, [0, 0])
                self._values[name] = [total + value * weight, count + weight]

    def _step_duration(self, current, now):
        """Seconds per step, ignoring the (slow, compiling) first step once there are more."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_unit

    def _bar(self, current):
        """`" 7/32 ━━━━━━━━━━━━━━━━━━━━"` with ANSI colours, or `"      7/Unknown"`."""
        if self.target is None or self.target <= 0:
            return "%7d/Unknown" % current
        digits = int(math.log10(self.target)) + 1
        count = ("%" + str(digits) + "d/%d") % (current, self.target)
        done = int(self.width * (float(current) / self.target))
        bar = f"{_BOLD}{count}{_RESET} "
        if done > 0:
            bar += f"{_GREEN}{'━' * done}{_RESET}"
        return bar + f"{_WHITE}{'━' * (self.width - done)}{_RESET}"

    def _metrics_text(self, verbose):
        text = ""
        for name, entry in self._values.items():
            avg = _average(entry)
            # Keras compares abs(avg) for the live bar but avg itself for the verbose=2 line.
            big = abs(avg) > 1e-3 if verbose == 1 else avg > 1e-3
            text += f" - {name}: {avg:.4f}" if big else f" - {name}: {avg:.4e}"
        return text

    def _draw(self, current, now, per_unit, finalize):
        bar = self._bar(current)
        if self.target is not None and self.target > 0 and not finalize:
            info = f" {_BOLD}{_format_eta(per_unit * (self.target - current))}{_RESET}"
        else:
            info = f" {_BOLD}{now - self._start:.0f}s{_RESET}"
        info += format_time(per_unit, self.unit_name) + self._metrics_text(1)
        width = len(_ANSI.sub("", bar + info))
        if not self._dynamic_display:
            if finalize:  # a file or a pipe gets the finished bar only
                print_msg(bar + info)
            return
        message = "\b" * self._prev_total_width + "\r" + bar + info
        message += " " * max(self._prev_total_width - width, 0)
        print_msg(message + ("\n" if finalize else ""), line_break=False)
        self._prev_total_width = width

    def _summary_line(self, current, now, per_unit):
        digits = int(math.log10(self.target)) + 1
        count = ("%" + str(digits) + "d/%d") % (current, self.target)
        return (f"{count} - {now - self._start:.0f}s -{format_time(per_unit, self.unit_name)}"
                f"{self._metrics_text(2)}\n")
