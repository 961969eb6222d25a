"""Run Keras's own unit tests on minikeras, module by module; print and save the table; enforce the ratchet.

    python tests/keras_suite/run.py                  # all modules, checks the ratchet
    python tests/keras_suite/run.py --modules losses metrics
    python tests/keras_suite/run.py --files keras/src/layers/core/dense_test.py   # just these, no ratchet
    python tests/keras_suite/run.py --update-ratchet # raise the ratchet to today's counts (never lowers)
    python tests/keras_suite/run.py --baseline       # once per Keras version: the same suite on real
                                                     # Keras + JAX, saved as baseline_keras_<v>.json

The Keras source distribution (it carries the `*_test.py` files) is downloaded from the package
registry with pip into a cache outside the repository ($KERAS_SUITE_CACHE, default
~/.cache/minikeras); nothing of Keras's is committed. The Keras version is the one pinned in
pyproject.toml's conformance extra.
"""
import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from keras_suite import exclusions  # noqa: E402
ROOT = os.path.dirname(os.path.dirname(HERE))
MODULES = {  # report module -> Keras source directories
    "layers": ["keras/src/layers"],
    "models": ["keras/src/models"],
    "losses": ["keras/src/losses"],
    "metrics": ["keras/src/metrics"],
    "optimizers": ["keras/src/optimizers"],  # includes schedules/
    "activations": ["keras/src/activations"],
    "callbacks": ["keras/src/callbacks"],
    "ops.numpy": ["keras/src/ops/numpy_test.py"],
    "ops.nn": ["keras/src/ops/nn_test.py"],
    "ops.core": ["keras/src/ops/core_test.py"],
    "ops.math": ["keras/src/ops/math_test.py"],
    "ops.linalg": ["keras/src/ops/linalg_test.py"],
    "ops.image": ["keras/src/ops/image_test.py"],
}
LARGE_FILE_LINES = 2500  # a test file longer than this runs one piece per test class
RATCHET = os.path.join(HERE, "ratchet.json")
PER_TEST_TIMEOUT = 120  # seconds; a test slower than this counts as failed


def pinned_keras_version():
    text = open(os.path.join(ROOT, "pyproject.toml")).read()
    match = re.search(r'"keras==([0-9][0-9.]*)"', text)
    if not match:
        raise SystemExit("pyproject.toml must pin keras==<version> in the conformance extra")
    return match.group(1)


def keras_source(version):
    """The unpacked Keras sdist for `version`, downloaded once into the cache."""
    cache = os.environ.get("KERAS_SUITE_CACHE", os.path.expanduser("~/.cache/minikeras"))
    target = os.path.join(cache, f"keras-{version}-src")
    if os.path.isdir(os.path.join(target, "keras", "src")):
        return target
    os.makedirs(cache, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary",
                        ":all:", f"keras=={version}", "-d", tmp], check=True)
        archive = os.path.join(tmp, f"keras-{version}.tar.gz")
        unpacked = os.path.join(tmp, "unpacked")
        with tarfile.open(archive) as tar:
            tar.extractall(unpacked, filter="data")
        os.rename(os.path.join(unpacked, f"keras-{version}"), target)  # atomic: no half copies
    return target


def run_pytest(source, paths, mode, results_path):
    env = dict(os.environ, KERAS_SUITE_SOURCE=source, KERAS_SUITE_MODE=mode,
               KERAS_SUITE_RESULTS=results_path,
               PYTHONPATH=os.pathsep.join([os.path.join(ROOT, "tests"), os.environ.get("PYTHONPATH", "")]))
    if mode == "keras":
        env.update(KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    command = [sys.executable, "-m", "pytest", "-p", "keras_suite.plugin", "-c",
               os.path.join(HERE, "pytest.ini"), "--rootdir", source, "-q", "-p", "no:cacheprovider",
               f"--timeout={PER_TEST_TIMEOUT}", *[os.path.join(source, p) for p in paths]]
    completed = subprocess.run(command, env=env, cwd=source, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    tail = completed.stdout.strip().splitlines()[-1:] or ["(no output)"]
    if not os.path.exists(results_path):
        raise SystemExit(f"pytest wrote no results for {paths}:\n{completed.stdout[-3000:]}")
    with open(results_path) as f:
        return json.load(f), tail[0]


def chunks_of(source, module):
    """A module's test directories cut into pieces that can run side by side: each
    subdirectory of a large package (layers/pooling, layers/preprocessing, ...) is one piece."""
    pieces = []
    for top in MODULES[module]:
        path = os.path.join(source, top)
        if os.path.isfile(path):
            text = open(path).read()
            classes = re.findall(r"^class (\w+)\(", text, re.MULTILINE)
            if text.count("\n") > LARGE_FILE_LINES and classes:
                pieces += [f"{top}::{name}" for name in classes]
            else:
                pieces.append(top)
            continue
        subdirs = sorted(d for d in os.listdir(os.path.join(source, top))
                         if os.path.isdir(os.path.join(source, top, d)) and d != "__pycache__")
        if module == "layers" and subdirs:
            pieces += [f"{top}/{d}" for d in subdirs]
            files = sorted(f for f in os.listdir(os.path.join(source, top)) if f.endswith("_test.py"))
            pieces += [f"{top}/{f}" for f in files]
        else:
            pieces.append(top)
    return pieces


def run_chunks(source, modules, mode, out, jobs):
    """Runs every module's pieces, `jobs` pytest processes at a time; {module: results}."""
    tasks = [(module, piece) for module in modules for piece in chunks_of(source, module)]
    tasks.sort(key=lambda task: -_test_files(source, task[1]))  # large pieces first: even finish
    merged = {module: {} for module in modules}

    def run_one(task):
        module, piece = task
        start = time.time()
        name = piece.replace("/", "_").replace("::", "-")
        results, tail = run_pytest(source, [piece], mode, os.path.join(out, f"{name}.json"))
        print(f"{piece}: {tail} ({time.time() - start:.0f} s)", flush=True)
        return module, results

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for module, results in pool.map(run_one, tasks):
            merged[module].update(results)
    for module, results in merged.items():
        with open(os.path.join(out, f"{module}.json"), "w") as f:
            json.dump(results, f, indent=0, sort_keys=True)
    return merged


def _test_files(source, piece):
    path = os.path.join(source, piece.split("::")[0])
    if os.path.isfile(path):
        return 1
    return sum(f.endswith("_test.py") for _, _, files in os.walk(path) for f in files)


def file_of(nodeid):
    return nodeid.split("::", 1)[0]


def summarize(results, baseline):
    """Counts for one module. `baseline` holds real Keras's per-file pass counts and the tests that do
    not pass there; a file that did not import on minikeras counts all of Keras's passes as failed."""
    ours = {k: v for k, v in results.items() if "::" in k}
    broken_files = {k for k, v in results.items() if v == "collection-error"}
    row = {"collected": len(ours) + sum(baseline["files"].get(f, {}).get("collected", 0)
                                        for f in broken_files),
           "excluded": sum(v == "excluded" for v in ours.values()),
           "passed": sum(v == "passed" for v in ours.values()),
           "failed": sum(v == "failed" for v in ours.values()),
           "skipped": sum(v == "skipped" for v in ours.values()),
           "collection_errors": sorted(broken_files)}
    not_passing_there = set(baseline["not_passed"])
    row["passed_of_keras"] = sum(v == "passed" and k not in not_passing_there for k, v in ours.items())
    row["keras_passed"] = sum(f["passed"] for path, f in baseline["files"].items()
                              if path not in exclusions.FILES)  # files excluded since the baseline
    row["relative"] = row["passed_of_keras"] / max(row["keras_passed"], 1)
    return row


def baseline_path(version):
    return os.path.join(HERE, f"baseline_keras_{version}.json")


def load_baseline(version):
    path = baseline_path(version)
    if not os.path.exists(path):
        raise SystemExit(f"no baseline for Keras {version}: run `python {__file__} --baseline` once")
    with open(path) as f:
        return json.load(f)


def baseline_entry(results):
    files = {}
    for nodeid, outcome in results.items():
        entry = files.setdefault(file_of(nodeid), {"collected": 0, "passed": 0})
        entry["collected"] += 1
        entry["passed"] += outcome == "passed"
    return {"files": files,
            "not_passed": sorted(k for k, v in results.items() if v not in ("passed", "excluded"))}


def table(rows):
    lines = ["| module | collected | excluded | passed | failed | skipped | passed on Keras+JAX | "
             "relative |", "|---|---|---|---|---|---|---|---|"]
    total = {k: 0 for k in ("collected", "excluded", "passed", "failed", "skipped", "passed_of_keras",
                            "keras_passed")}
    for name, row in rows.items():
        lines.append(f"| {name} | {row['collected']} | {row['excluded']} | {row['passed']} | "
                     f"{row['failed']} | {row['skipped']} | {row['keras_passed']} | "
                     f"{100 * row['relative']:.1f}% |")
        for key in total:
            total[key] += row[key]
    relative = total["passed_of_keras"] / max(total["keras_passed"], 1)
    lines.append(f"| **all** | {total['collected']} | {total['excluded']} | {total['passed']} | "
                 f"{total['failed']} | {total['skipped']} | {total['keras_passed']} | "
                 f"**{100 * relative:.1f}%** |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", nargs="+", choices=sorted(MODULES), default=sorted(MODULES))
    parser.add_argument("--files", nargs="+", help="Keras test files (relative to the source root)")
    parser.add_argument("--baseline", action="store_true", help="run on real Keras + JAX and save")
    parser.add_argument("--update-ratchet", action="store_true")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="pytest processes run side by side (default: up to 2)")
    parser.add_argument("--out", default=None, help="directory for the report (default: the cache)")
    args = parser.parse_args(argv)

    version = pinned_keras_version()
    source = keras_source(version)
    out = args.out or os.path.join(os.path.dirname(source), "keras_suite_report")
    os.makedirs(out, exist_ok=True)
    mode = "keras" if args.baseline else "minikeras"

    if args.files:
        results, tail = run_pytest(source, args.files, mode, os.path.join(out, "files.json"))
        failing = sorted(k for k, v in results.items() if v not in ("passed", "excluded"))
        print("\n".join(f"{results[k]:17} {k}" for k in failing))
        print(tail)
        return 0

    rows, baseline = {}, None if args.baseline else load_baseline(version)
    new_baseline = {"keras_version": version, "modules": {}}
    if args.baseline and os.path.exists(baseline_path(version)):  # a subset of modules updates them
        new_baseline = json.load(open(baseline_path(version)))
    results_by_module = run_chunks(source, args.modules, mode, out, args.jobs)
    for name in args.modules:
        results = results_by_module[name]
        if args.baseline:
            new_baseline["modules"][name] = baseline_entry(results)
            rows[name] = summarize(results, new_baseline["modules"][name])
        else:
            rows[name] = summarize(results, baseline["modules"][name])
    report = table(rows)
    print(report)
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write(report + "\n")
    with open(os.path.join(out, "report.json"), "w") as f:
        json.dump(rows, f, indent=1)
    print(f"report written to {out}/report.md and report.json")

    if args.baseline:
        with open(baseline_path(version), "w") as f:
            json.dump(new_baseline, f, indent=0, sort_keys=True)
        return 0
    return check_ratchet(rows, args.update_ratchet)


def check_ratchet(rows, update):
    ratchet = json.load(open(RATCHET)) if os.path.exists(RATCHET) else {}
    below = {m: (r["passed_of_keras"], ratchet[m]) for m, r in rows.items()
             if m in ratchet and r["passed_of_keras"] < ratchet[m]}
    if update:
        for module, row in rows.items():
            ratchet[module] = max(ratchet.get(module, 0), row["passed_of_keras"])
        with open(RATCHET, "w") as f:
            json.dump(dict(sorted(ratchet.items())), f, indent=1)
            f.write("\n")
    if below:
        for module, (now, floor) in below.items():
            print(f"RATCHET: {module} passes {now} of Keras's tests, below the ratchet's {floor}")
        return 1
    missing = [m for m in rows if m not in ratchet]
    if missing and not update:
        print(f"RATCHET: no entry for {missing}; run with --update-ratchet")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
