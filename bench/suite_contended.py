"""`python bench/suite.py --contended`: the workloads as tutorials run them (default threads), on a
quiet machine and while a competing process keeps one core busy (issue 11).

For each workload, first quiet and then contended, fresh subprocesses time:
- `mk`: minikeras as users run it: default threads, minikeras's own BLAS-thread rule
  (minikeras/engine/blas_threads.py);
- `mk 1t`: minikeras with one BLAS thread (OPENBLAS_NUM_THREADS=1), the targets' yardstick;
- `mk old`: minikeras with its rule off and BLAS fixed at the machine's core count
  (`keras.config.set_blas_threads(cores)`): what every release did before the rule;
- `jax`: keras-jax with its default threads.
The competing process is a Python busy loop the suite starts before the contended runs and stops
after them; it also stops by itself after the suite's timeout or when the suite's process is gone.

Targets: contended `mk` within 1.2x of contended `mk 1t` on every workload, and at most `jax` on the
recurrent one (lstm); quiet `mk` no slower than `mk 1t` (and faster where both cores help).
"""
import contextlib
import json
import math
import os
import statistics
import subprocess
import sys
import time

BUSY_LOOP = """import os, sys, time
end, parent = time.monotonic() + float(sys.argv[1]), os.getppid()
while time.monotonic() < end and os.getppid() == parent:
    pass
"""
CONFIGS = ("mk", "mk 1t", "mk old", "jax")  # column order
SETTINGS = ("quiet", "contended")


@contextlib.contextmanager
def busy_core(seconds):
    """One core kept busy by another process for the duration of the block (at most `seconds`)."""
    proc = subprocess.Popen([sys.executable, "-c", BUSY_LOOP, str(seconds)])
    try:
        time.sleep(0.5)  # let it start spinning before anything is timed
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _run(run_workload, config, name, n, repeats, timeout):
    """One configuration's subprocess run (bench/suite.py's run_workload), with its medians."""
    lib = "keras-jax" if config == "jax" else "minikeras"
    extra = ["--fixed-threads", str(os.cpu_count() or 1)] if config == "mk old" else []
    threads = 1 if config == "mk 1t" else None
    result = run_workload(lib, name, n, repeats, threads, timeout, extra)
    if result.get("status") == "ok":
        result["fit"] = statistics.median(result["fit_times"])
        result["predict"] = statistics.median(result["predict_times"])
    return result


def measure(run_workload, names, sizes_of, repeats, timeout, configs=CONFIGS, say=print):
    """{workload: {setting: {config: result}}}, each workload measured quiet, then contended."""
    out = {}
    for name in names:
        out[name] = {}
        for setting in SETTINGS:
            with (busy_core(timeout * len(configs)) if setting == "contended"
                  else contextlib.nullcontext()):
                runs = {}
                for config in configs:
                    start = time.perf_counter()
                    runs[config] = _run(run_workload, config, name, sizes_of[name], repeats,
                                        timeout)
                    say(f"{name:12s} {setting:10s} {config:7s} {runs[config].get('status'):8s} "
                        f"{time.perf_counter() - start:6.1f} s wall, load "
                        f"{os.getloadavg()[0]:.2f}")
            out[name][setting] = runs
    return out


def _cell(run, phase):
    return f"{run[phase]:.3f}" if run.get("status") == "ok" else run.get("status", "-")


def _ratio(a, b, phase):
    if a.get("status") == "ok" and b.get("status") == "ok":
        return a[phase] / b[phase]
    return None


def ratios(runs):
    """The targets' ratios of one setting: mk / mk 1t, mk / jax, mk / mk old."""
    return {phase: {"mk/1t": _ratio(runs["mk"], runs.get("mk 1t", {}), phase),
                    "mk/jax": _ratio(runs["mk"], runs.get("jax", {}), phase),
                    "mk/old": _ratio(runs["mk"], runs.get("mk old", {}), phase)}
            for phase in ("fit", "predict")}


def format_table(results):
    configs = results["settings"]["configs"]
    width = 9
    head = f"{'workload':<12}{'phase':<8}" + " | ".join(
        "".join(f"{c:>{width}}" for c in configs) for _ in SETTINGS)
    lines = [f"minikeras contended benchmark: default threads, repeats "
             f"{results['settings']['repeats']}, {results['machine']['cpu_count']} CPUs; "
             f"contended = a busy-loop process on one core",
             "", f"{'':<20}" + " | ".join(f"{s + ' (seconds)':<{width * len(configs)}}"
                                          for s in SETTINGS) + " | contended ratios", head
             + " |    mk/1t   mk/jax   mk/old", "-" * (len(head) + 30)]
    fmt = lambda r: f"{r:8.2f}x" if r is not None else f"{'-':>9}"  # noqa: E731
    for name, by_setting in results["workloads"].items():
        for i, phase in enumerate(("fit", "predict")):
            cells = " | ".join("".join(f"{_cell(by_setting[s][c], phase):>{width}}"
                                       for c in configs) for s in SETTINGS)
            r = ratios(by_setting["contended"])[phase]
            lines.append(f"{name if i == 0 else '':<12}{phase:<8}{cells} |"
                         + "".join(fmt(r[k]) for k in ("mk/1t", "mk/jax", "mk/old")))
    lines += ["", "BLAS threads minikeras used (mean over the timed batches, fit / predict)",
              f"{'workload':<12}" + "".join(f"{s + ' ' + c:>20}" for s in SETTINGS
                                            for c in configs if c.startswith("mk"))]
    for name, by_setting in results["workloads"].items():
        cells = []
        for s in SETTINGS:
            for c in (c for c in configs if c.startswith("mk")):
                used = by_setting[s][c].get("blas_threads") or {}
                cells.append(" / ".join(f"{used[p]:.2f}" if used.get(p) else "-"
                                        for p in ("fit", "predict")))
        lines.append(f"{name:<12}" + "".join(f"{c:>20}" for c in cells))
    return "\n".join(lines)


def problems(results):
    """Failed minikeras runs and non-finite numbers (the exit status)."""
    found = []
    for name, by_setting in results["workloads"].items():
        for setting, runs in by_setting.items():
            for config, run in runs.items():
                if config.startswith("mk") and run.get("status") != "ok":
                    found.append(f"{name} {setting} {config}: {run.get('status')} "
                                 f"{run.get('error', '')}")
                for phase in ("fit", "predict"):
                    if run.get("status") == "ok" and not math.isfinite(run[phase]):
                        found.append(f"{name} {setting} {config} {phase}: {run[phase]}")
    return found


def main(args, run_workload, sizes_of, repeats, timeout, say):
    """The --contended run of bench/suite.py: measure, print, write <out>/contended.json."""
    names = [w for w in args.workloads.split(",") if w]
    configs = CONFIGS if "keras-jax" in args.libs.split(",") else CONFIGS[:3]
    results = {"settings": {"quick": args.quick, "repeats": repeats, "configs": list(configs)},
               "machine": {"cpu_count": os.cpu_count(), "load_start": os.getloadavg()}}
    results["workloads"] = measure(run_workload, names, sizes_of, repeats, timeout, configs, say)
    results["machine"]["load_end"] = os.getloadavg()
    print(format_table(results))
    out = args.out
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "contended.json"), "w") as f:
        json.dump(results, f, indent=1)
    print(f"\nwrote {os.path.join(out, 'contended.json')}")
    found = problems(results)
    for p in found:
        print("PROBLEM:", p)
    return 1 if found else 0
