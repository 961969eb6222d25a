"""How many BLAS threads minikeras's own work uses.

OpenBLAS splits a product over its threads, and its threads spin while they wait for the next one.
On a quiet machine that pays for whole epochs (CNN 1.3x, MLP up to 1.1x faster on two; small
products alone go either way, 0.7x-1.4x) and doubles large GEMMs. When another process keeps a
core busy, the spinning threads fight it for that core and every step waits on them: an LSTM
epoch took 2.8x as long with OpenBLAS's default threads as with one, and a process busy only a
quarter of the time on the second core already made two threads 15% slower than one. So `fit`,
`evaluate`, `predict` (and a recurrent layer's time loop called on its own) run inside
`blas_scope()`, where BLAS gets one thread per *free* core: a core the machine's other processes
used for less than 15% of the last half second (read from /proc/stat, minus this process's own
CPU time), and never more threads than the process had before. The product size needs no rule
of ours: OpenBLAS already runs a product with m*n*k <= 262,144 on one thread, and no workload's
epoch got slower on two idle cores. On exit the process's own setting is restored, so a user's
threadpoolctl limits or OPENBLAS_NUM_THREADS hold outside minikeras. docs/performance.md has the
measurements.

OpenBLAS's results differ in their last bits between one and two threads, so a count that followed
the load would make two runs of a seeded script differ. After `keras.utils.set_random_seed` (which
Keras documents as making a program deterministic) minikeras uses one thread: the same bits on
every run whatever the load or the number of cores, and the fastest choice on a busy machine.
`keras.config.set_blas_threads(n)` fixes the count instead (None: the rules above). Where the load
cannot be read (no /proc/stat: macOS, Windows) the process's own setting is kept.
"""
import contextlib
import math
import os
import threading
import time

from minikeras.engine import random

MEASURE_EVERY = 0.5   # seconds between two readings of the machine's load inside a scope
BUSY_CORE = 0.15      # a core the other processes use for more than this fraction is not free

_fixed = None         # set by keras.config.set_blas_threads; None: decide by load
_lock = threading.Lock()
_depth = 0            # nesting of blas_scope (fit -> evaluate for validation -> ...)
_saved = None         # the process's own thread counts, restored when the outer scope ends
_libs = None          # threadpoolctl controllers of the loaded BLAS libraries (found once)
_clock_tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def set_blas_threads(n):
    """Fixes the BLAS threads inside minikeras's calls at `n`; None: back to the automatic rule."""
    global _fixed
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise ValueError(f"`blas_threads` must be a positive integer or None (automatic). "
                         f"Received: blas_threads={n!r}")
    _fixed = n


def blas_threads():
    """The count fixed by `set_blas_threads`, or None when minikeras follows the machine's load."""
    return _fixed


def _blas_libs():
    global _libs
    if _libs is None:
        import numpy  # noqa: F401  (loads the BLAS numpy links against, so threadpoolctl finds it)
        from threadpoolctl import ThreadpoolController
        _libs = ThreadpoolController().select(user_api="blas").lib_controllers
    return _libs


def _cores():
    """The CPUs this process may run on."""
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else list(
        range(os.cpu_count() or 1))


def read_cpu_times(cores):
    """(wall seconds, busy CPU-seconds of `cores` so far, this process's CPU-seconds so far),
    or None where /proc/stat cannot be read."""
    wanted = {f"cpu{c}".encode() for c in cores}
    busy = 0
    try:
        with open("/proc/stat", "rb") as f:
            for line in f:
                fields = line.split()
                if fields and fields[0] in wanted:
                    # user nice system idle iowait irq softirq steal; guest time is inside user
                    ticks = [int(v) for v in fields[1:9]]
                    busy += sum(ticks) - ticks[3] - ticks[4]
    except (OSError, ValueError):
        return None
    own = os.times()
    return time.monotonic(), busy / _clock_tick, own.user + own.system


class _LoadMeter:
    """The cores the other processes left free between two readings of /proc/stat."""

    def __init__(self):
        self.cores = _cores()
        self.last = read_cpu_times(self.cores)
        self.free = None  # unknown until two readings MEASURE_EVERY apart

    def due(self):
        return self.last is not None and time.monotonic() - self.last[0] >= MEASURE_EVERY

    def update(self):
        now = read_cpu_times(self.cores)
        if now is None or self.last is None:
            return
        wall, busy, own = (a - b for a, b in zip(now, self.last))
        if wall > 0:
            others = max(0.0, busy - own) / wall  # cores' worth of work by other processes
            self.free = max(1, len(self.cores) - math.ceil(others - BUSY_CORE))
        self.last = now


_meter = None


def _decide(allowed):
    """Threads for minikeras's work: the fixed count; one after `set_random_seed`; else the
    free cores (1 until measured)."""
    if _fixed is not None:
        return _fixed
    if random.seeded():
        return 1  # a product's last bits depend on the thread count: keep seeded runs repeatable
    if _meter.last is None:
        return allowed  # no load to read here: keep the process's setting
    return min(allowed, _meter.free or 1)


def _apply(n):
    for lib in _blas_libs():
        if lib.num_threads != n:
            lib.set_num_threads(n)


@contextlib.contextmanager
def blas_scope():
    """BLAS threads chosen by the rule above for the duration of the block or decorated call
    (nested blocks share the outer one's choice). Long loops inside call `tick()` between steps."""
    global _depth, _saved, _meter
    with _lock:
        _depth += 1
        if _depth == 1:
            libs = _blas_libs()
            _saved = [lib.num_threads for lib in libs]
            if _meter is None:
                _meter = _LoadMeter()
            elif _meter.due():
                _meter.update()
            _apply(_decide(max(_saved, default=1)))
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                for lib, n in zip(_blas_libs(), _saved):
                    lib.set_num_threads(n)


def tick():
    """Between steps: re-read the load every MEASURE_EVERY seconds and follow it."""
    if _depth and _meter.due():
        with _lock:
            if _depth:
                _meter.update()
                _apply(_decide(max(_saved, default=1)))
