"""The benchmark suite of issue 7: minikeras against real Keras 3 and PyTorch, in one command.

    python bench/suite.py [--quick] [--threads N] [--repeats R] [--out bench/results]
                          [--workloads mlp,cnn,lstm,transformer] [--libs minikeras,keras-jax,...]
                          [--profile cnn,lstm]
    python bench/suite.py --contended [--quick] [--repeats R] [--workloads ...]

`--contended` (bench/suite_contended.py) instead times every workload with default threads, on a
quiet machine and while a competing process keeps one core busy, minikeras (with its thread rule,
with one thread, and with the rule off) beside keras-jax, and writes <out>/contended.json.

For each workload of bench/workloads.py (MLP, CNN, LSTM, Transformer) and each library -- minikeras,
Keras 3 with the JAX backend, Keras 3 with the torch backend, a plain PyTorch loop -- one subprocess
builds the model on the same seeded data, trains one warm-up epoch and predicts once, then times R
training epochs and R predicts (median of each) and reports its peak RSS. A library that is not
installed is reported as "not installed". The same run times a float32 GEMM with numpy to turn each
workload's analytic FLOP count into a floor (the seconds its matmuls and convolutions alone take at
that rate, with the same thread cap), times
`import minikeras` against `import keras` (fresh interpreters, median of 5), and measures installed
sizes. Prints one table, writes <out>/results.json and <out>/results.png (if matplotlib is there;
<out> defaults to bench/results). `--quick` shrinks every workload and repeats once (a smoke test,
< 2 minutes) and writes to a temp directory unless --out is given; `--profile` adds a cProfile summary
(top functions by tottime) of one minikeras epoch of the named workloads. Exit status 1 when a
minikeras run fails or any number is not finite. docs/performance.md explains every column.
"""
import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from suite_child import TAG  # noqa: E402
from suite_report import LIBS, format_table, plot, problems, summarize  # noqa: E402
from suite_sizes import sizes  # noqa: E402
from threads import thread_env  # noqa: E402

NEEDS = {"minikeras": ("numpy", "autograd"), "keras-jax": ("keras", "jax"),
         "keras-torch": ("keras", "torch"), "torch": ("torch",)}
READY = "K.Sequential([K.Input((4,)), K.layers.Dense(2)]).compile(optimizer='adam', loss='mse')"
IMPORTS = {  # label: (KERAS_BACKEND or None, statement timed in a fresh interpreter)
    "import minikeras": (None, "import minikeras"),
    "import minikeras + first model": (None, f"import minikeras as K; {READY}"),
    "import keras (jax)": ("jax", "import keras"),
    "import keras (jax) + first model": ("jax", f"import keras as K; {READY}"),
}


def available(lib):
    """"ok" or "not installed" for a library's subprocess, decided without importing it."""
    missing = [m for m in NEEDS[lib] if importlib.util.find_spec(m) is None]
    return "not installed" if missing else "ok"


def spawn(child_args, threads, timeout, backend=None):
    """Run `suite_child.py ...` in a fresh interpreter; the parsed result or an error dict."""
    env = thread_env(threads)
    env["PYTHONPATH"] = os.pathsep.join([ROOT, HERE, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.setdefault("JAX_PLATFORMS", "cpu")
    if backend:
        env["KERAS_BACKEND"] = backend
    cmd = [sys.executable, os.path.join(HERE, "suite_child.py"), *child_args]
    if threads:
        cmd += ["--threads", str(threads)]
    try:
        proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "error": f"no result after {timeout} s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(TAG):
            return json.loads(line[len(TAG):])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-6:]
    return {"status": "error", "error": "\n".join(tail) or f"exit status {proc.returncode}"}


def run_workload(lib, name, n, repeats, threads, timeout, extra_args=()):
    if available(lib) != "ok":
        return {"status": "not installed"}
    backend = {"keras-jax": "jax", "keras-torch": "torch"}.get(lib)
    args = ["run", "--lib", lib, "--workload", name, "--n", str(n), "--repeats", str(repeats),
            *extra_args]
    return spawn(args, threads, timeout, backend)


def import_times(threads, repeats):
    """Median seconds of each import statement, each timed in `repeats` fresh interpreters."""
    out = {}
    for label, (backend, stmt) in IMPORTS.items():
        if backend and available("keras-jax") != "ok":
            out[label] = None
            continue
        env = thread_env(threads)
        env["PYTHONPATH"] = os.pathsep.join([ROOT, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        env.setdefault("JAX_PLATFORMS", "cpu")
        if backend:
            env["KERAS_BACKEND"] = backend
        code = f"import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
        times = []
        for _ in range(repeats):
            proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT,
                                  capture_output=True, text=True, timeout=300)
            if proc.returncode == 0:
                times.append(float(proc.stdout.strip().splitlines()[-1]))
        out[label] = statistics.median(times) if times else None
    return out


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small sizes, one repeat: a smoke test")
    p.add_argument("--threads", default=None, help="cap every library's math threads")
    p.add_argument("--repeats", type=int, default=None, help="timed epochs (default 5; quick 1)")
    p.add_argument("--out", default=None, help="default bench/results (quick: a temp directory, "
                   "so a smoke test never overwrites the recorded results)")
    p.add_argument("--workloads", default="mlp,cnn,lstm,transformer")
    p.add_argument("--libs", default=",".join(LIBS))
    p.add_argument("--profile", default="", help="workloads to cProfile in minikeras, e.g. cnn,lstm")
    p.add_argument("--timeout", type=float, default=None, help="seconds per subprocess")
    p.add_argument("--contended", action="store_true", help="default threads, quiet and with one "
                   "core kept busy by another process (bench/suite_contended.py)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    import workloads
    if args.out is None:
        args.out = (os.path.join(tempfile.gettempdir(), "minikeras-bench-quick") if args.quick
                    else os.path.join(HERE, "results"))
    names = [w for w in args.workloads.split(",") if w]
    libs = [lib for lib in LIBS if lib in args.libs.split(",")]
    unknown = [w for w in names + [w for w in args.profile.split(",") if w]
               if w not in workloads.NAMES]
    if unknown:
        sys.exit(f"unknown workload(s) {unknown}: expected some of {','.join(workloads.NAMES)}")
    repeats = args.repeats or (1 if args.quick else 5)
    timeout = args.timeout or (300 if args.quick else 1800)
    sizes_of = workloads.QUICK_N if args.quick else workloads.FULL_N
    results = {"settings": {"quick": args.quick, "threads": args.threads, "repeats": repeats,
                            "libs": libs, "batch": workloads.BATCH},
               "machine": {"cpu_count": os.cpu_count(), "python": sys.version.split()[0],
                           "platform": sys.platform, "load_start": os.getloadavg()},
               "workloads": {}}
    say = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731  (progress)
    if args.contended:
        if args.threads or args.profile:
            sys.exit("--contended runs with default threads and no profile: drop --threads/--profile")
        import suite_contended
        return suite_contended.main(args, run_workload, sizes_of,
                                    args.repeats or (1 if args.quick else 3), timeout, say)
    say(f"threads {args.threads or 'default'}, repeats {repeats}, load {os.getloadavg()[0]:.2f}")
    blas = [spawn(["blas"] + (["--quick"] if args.quick else []), args.threads, timeout)]
    say(f"BLAS: {blas[0].get('big_gflops', float('nan')):.0f} GFLOP/s")
    for name in names:
        runs = {}
        for lib in libs:
            start = time.perf_counter()
            runs[lib] = run_workload(lib, name, sizes_of[name], repeats, args.threads, timeout)
            say(f"{name:12s} {lib:12s} {runs[lib].get('status'):14s} "
                f"{time.perf_counter() - start:6.1f} s wall")
        results["workloads"][name] = runs
    blas.append(spawn(["blas"] + (["--quick"] if args.quick else []), args.threads, timeout))
    measured = [b for b in blas if "big_gflops" in b] or [dict(blas[0], big_gflops=float("nan"),
                                                               batch_gflops=float("nan"))]
    best = max(measured, key=lambda b: b["big_gflops"])
    results["blas"] = dict(best, measurements=blas)
    for name in names:
        results["workloads"][name] = summarize(name, sizes_of[name], results["workloads"][name],
                                               best)
    say("import times ...")
    results["imports"] = import_times(args.threads, 1 if args.quick else 5)
    results["sizes"] = sizes()
    profiles = [w for w in args.profile.split(",") if w]
    if profiles:
        results["profiles"] = {}
        for name in profiles:
            say(f"profiling minikeras {name} ...")
            prof = spawn(["profile", "--workload", name, "--n", str(sizes_of[name])],
                         args.threads, timeout)
            if "top" in prof:
                results["profiles"][name] = prof
            else:
                say(f"profile of {name} failed: {prof.get('error')}")
    results["machine"]["load_end"] = os.getloadavg()
    print(format_table(results))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    png = plot(results, os.path.join(args.out, "results.png"))
    print(f"\nwrote {os.path.join(args.out, 'results.json')}" + (f" and {png}" if png else ""))
    found = problems(results)
    for p in found:
        print("PROBLEM:", p)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
