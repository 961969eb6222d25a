"""The suite's summary: medians, floors and ratios; the printed table; sanity checks; the chart."""
import math
import statistics

LIBS = ("minikeras", "keras-jax", "keras-torch", "torch")
SHORT = {"minikeras": "mk", "keras-jax": "jax", "keras-torch": "k-torch", "torch": "torch"}
PHASES = ("fit", "predict")


def floor_gflops(blas):
    """The best float32 GEMM rate the run measured (big square or batch-128 shape)."""
    return max(blas["big_gflops"], blas["batch_gflops"])


def summarize(name, n, runs, blas):
    """One workload's entry: medians, FLOPs, floors, minikeras/peer ratios."""
    import workloads
    counted = workloads.flops(name, n)
    work = {"fit": counted["train"], "predict": counted["forward"]}
    for run in runs.values():
        if run.get("status") == "ok":
            run["fit"] = statistics.median(run["fit_times"])
            run["predict"] = statistics.median(run["predict_times"])
    entry = {"n": n, "flops": {"forward": counted["forward"], "train": counted["train"],
                               "layers": dict(counted["layers"])},
             "floor": {p: work[p] / (floor_gflops(blas) * 1e9) for p in PHASES},
             "floor_batch128": {p: work[p] / (blas["batch_gflops"] * 1e9) for p in PHASES},
             "runs": runs, "ratios": {}}
    mk = runs.get("minikeras", {})
    for phase in PHASES:
        ratios = {}
        for lib, run in runs.items():
            if lib != "minikeras" and run.get("status") == "ok" and mk.get("status") == "ok":
                ratios[lib] = mk[phase] / run[phase]
        if mk.get("status") == "ok":
            ratios["floor"] = mk[phase] / entry["floor"][phase]
        entry["ratios"][phase] = ratios
    return entry


def _cell(run, key, width, fmt="{:.3f}"):
    status = run.get("status", "skipped")
    text = fmt.format(run[key]) if status == "ok" else status
    return f"{text:>{width}}"


def format_table(results):
    """The printed report: timing table, peak memory, imports, sizes (and profiles if any)."""
    libs = results["settings"]["libs"]
    m, blas = results["machine"], results["blas"]
    lines = [f"minikeras benchmark suite ({'quick' if results['settings']['quick'] else 'full'}), "
             f"threads {results['settings']['threads'] or 'default'}, repeats "
             f"{results['settings']['repeats']}, {m['cpu_count']} CPUs, load average "
             f"{m['load_start'][0]:.2f} at start / {m['load_end'][0]:.2f} at end",
             f"BLAS: {blas.get('blas', '?')} (numpy {blas.get('numpy', '?')}): "
             f"{blas['big_gflops']:.0f} GFLOP/s on a "
             f"2048^3 float32 GEMM, {blas['batch_gflops']:.0f} GFLOP/s at 128x1024x1024; floor = "
             f"matmul+conv FLOPs / {floor_gflops(blas):.0f} GFLOP/s", ""]
    head = f"{'workload':<12}{'phase':<8}" + "".join(f"{lib:>14}" for lib in libs)
    peers = [lib for lib in libs if lib != "minikeras"]
    head += f"{'floor':>9}  |" + "".join(f"{'mk/' + SHORT[lib]:>11}" for lib in peers)
    lines += ["seconds (median; fit = one training epoch)", head + f"{'mk/floor':>11}",
              "-" * (len(head) + 11)]
    for name, entry in results["workloads"].items():
        for phase in PHASES:
            row = f"{name if phase == 'fit' else '':<12}{phase:<8}"
            row += "".join(_cell(entry["runs"].get(lib, {}), phase, 14) for lib in libs)
            row += f"{entry['floor'][phase]:>9.3f}  |"
            ratios = entry["ratios"][phase]
            for key in [*peers, "floor"]:
                row += f"{ratios[key]:>10.2f}x" if key in ratios else f"{'-':>11}"
            lines.append(row)
    lines += ["", "peak RSS MB of each run (before fit: imports + data + model)",
              f"{'workload':<12}" + "".join(f"{lib:>20}" for lib in libs)]
    for name, entry in results["workloads"].items():
        row = f"{name:<12}"
        for lib in libs:
            run = entry["runs"].get(lib, {})
            text = (f"{run['peak_mb']:.0f} ({run['base_mb']:.0f})" if run.get("status") == "ok"
                    else run.get("status", "skipped"))
            row += f"{text:>20}"
        lines.append(row)
    lines += ["", "import seconds (median of fresh interpreters)"]
    for label, secs in results["imports"].items():
        lines.append(f"  {label:<36}{'not installed' if secs is None else f'{secs:.3f}'}")
    lines += ["", "installed MB"]
    s = results["sizes"]
    lines.append(f"  {'minikeras package (source)':<36}{s['minikeras package (source)']:.2f}")
    lines.append(f"  {'minikeras package (with bytecode)':<36}"
                 f"{s['minikeras package (with bytecode)']:.2f}")
    for label, stack in s["stacks"].items():
        if stack is None:
            lines.append(f"  {label:<36}not installed")
            continue
        big = sorted(stack["parts"].items(), key=lambda kv: -kv[1])[:6]
        detail = ", ".join(f"{k} {v:.0f}" for k, v in big)
        lines.append(f"  {label:<36}{stack['total']:.0f}  ({detail}, ...)")
    for name, prof in results.get("profiles", {}).items():
        lines += ["", f"minikeras {name} epoch under cProfile: {prof['epoch_s_under_profile']:.2f} s"
                  f" (n={prof['n']}); top functions by tottime"]
        lines.append(f"  {'tottime':>9} {'share':>6}  {'ncalls':>8}  function (numpy ufuncs, matmul "
                     "included, are not profiled: their time shows in their caller)")
        for e in prof["top"]:
            lines.append(f"  {e['tottime']:7.3f} s {100 * e['share']:5.1f}%  {e['ncalls']:>8}  "
                         f"{e['function']}")
        lines.append("  " + ", ".join(f"{k} {v:.2f} s" for k, v in prof["split"].items()))
        lines.append(f"  {'cumtime':>9} {'':>6}  {'ncalls':>8}  minikeras ops/layers/optimizers")
        for e in prof.get("top_cumulative", []):
            lines.append(f"  {e['cumtime']:7.3f} s {'':>6}  {e['ncalls']:>8}  {e['function']}")
        lines.append(f"  predict under cProfile: {prof['predict_s_under_profile']:.2f} s; "
                     "top functions by tottime")
        for e in prof.get("predict_top", []):
            lines.append(f"  {e['tottime']:7.3f} s {100 * e['share']:5.1f}%  {e['ncalls']:>8}  "
                         f"{e['function']}")
    return "\n".join(lines)


def problems(results):
    """What makes the run a failure: a minikeras run that did not finish, non-finite numbers."""
    found = []
    for name, entry in results["workloads"].items():
        mk = entry["runs"].get("minikeras", {})
        if "minikeras" in results["settings"]["libs"] and mk.get("status") != "ok":
            found.append(f"{name}: minikeras {mk.get('status')}: {mk.get('error', '')}")
        for lib, run in entry["runs"].items():
            if run.get("status") == "ok":
                for key in ("fit", "predict", "peak_mb"):
                    if not (isinstance(run[key], (int, float)) and math.isfinite(run[key])):
                        found.append(f"{name}: {lib} {key} is {run[key]!r}")
        for phase in PHASES:
            if not math.isfinite(entry["floor"][phase]):
                found.append(f"{name}: floor {phase} is {entry['floor'][phase]!r}")
    return found


def plot(results, path):
    """Grouped bars: seconds per workload and library (log scale), fit and predict side by side."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib not installed: no PNG; `pip install -e .[notebooks]` brings it)")
        return None
    libs = results["settings"]["libs"]
    names = list(results["workloads"])
    ran = [lib for lib in libs if any(results["workloads"][name]["runs"].get(lib, {}).get("status")
                                      == "ok" for name in names)]
    series = [*ran, "floor"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    width = 0.8 / len(series)
    for ax, phase in zip(axes, PHASES):
        for i, lib in enumerate(series):
            values = []
            for name in names:
                entry = results["workloads"][name]
                run = entry["runs"].get(lib, {})
                values.append(entry["floor"][phase] if lib == "floor" else
                              run.get(phase, float("nan")) if run.get("status") == "ok" else
                              float("nan"))
            xs = [j + (i - (len(series) - 1) / 2) * width for j in range(len(names))]
            ax.bar(xs, values, width, label=lib, hatch="//" if lib == "floor" else None,
                   color="lightgrey" if lib == "floor" else None, edgecolor="black", linewidth=0.4)
        ax.set_xticks(range(len(names)), names)
        ax.set_yscale("log")
        ax.set_ylabel("seconds (log scale)")
        ax.set_title(f"{'training epoch' if phase == 'fit' else 'predict'}")
        ax.grid(axis="y", alpha=0.3, which="both")
    axes[0].legend(fontsize=8)
    absent = [f"{lib}: {results['workloads'][names[0]]['runs'].get(lib, {}).get('status', 'skipped')}"
              for lib in libs if lib not in ran] if names else []
    if absent:
        fig.text(0.5, 0.01, "no bars for " + "; ".join(absent), ha="center", fontsize=9)
    m, threads = results["machine"], results["settings"]["threads"] or "default"
    fig.suptitle(f"minikeras vs peers, batch 128, float32; threads {threads}, "
                 f"{m['cpu_count']} CPUs, load {m['load_start'][0]:.1f}")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
