"""One timed run of bench/suite.py, in a fresh interpreter: prints one tagged JSON line.

    python bench/suite_child.py run --lib minikeras --workload cnn --n 4096 --repeats 5 [--threads 1]
                                    [--fixed-threads 2]
    python bench/suite_child.py blas [--quick]
    python bench/suite_child.py profile --workload cnn --n 4096

The parent (bench/suite.py) sets the thread caps and KERAS_BACKEND in the environment before
starting it, so numpy, JAX and torch read them at import.
"""
import argparse
import json
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

TAG = "@@suite-result "


def _maxrss_mb():
    import resource
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 1024  # bytes on macOS, KiB on Linux


def child_run(lib, name, n, repeats, threads, fixed_threads=None):
    """Time one library on one workload in this (fresh) process; returns the result dict.
    `fixed_threads` turns minikeras's own thread rule off: keras.config.set_blas_threads(N)."""
    import workloads
    x, y = workloads.DATA[name](n)
    load = os.getloadavg()[0]
    if lib == "torch" or lib == "keras-torch":
        import torch
        if threads:
            torch.set_num_threads(int(threads))
    if lib == "torch":
        base = _maxrss_mb()
        import workloads_torch
        times = workloads_torch.torch_time_fit_predict(torch, name, x, y, repeats)
    else:
        if lib == "minikeras":
            import minikeras as K
            if fixed_threads:
                K.config.set_blas_threads(int(fixed_threads))
        else:
            import keras as K
        net = workloads.MODELS[name](K)
        base = _maxrss_mb()
        used = _threads_used_callback(K) if lib == "minikeras" else None
        times = workloads.time_fit_predict(net, x, y, repeats, callbacks=used and [used])
    result = {"status": "ok", "fit_times": times["fit"], "predict_times": times["predict"],
              "base_mb": base, "peak_mb": _maxrss_mb(), "load": load}
    if lib == "minikeras":
        result["blas_threads"] = used.means()
    return result


def _threads_used_callback(K):
    """A callback recording the BLAS threads minikeras used at each batch of the timed runs."""
    from minikeras.engine.blas_threads import _blas_libs

    class ThreadsUsed(K.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seen = {"fit": [], "predict": []}

        def on_train_batch_end(self, batch, logs=None):
            self.seen["fit"].append(max(lib.num_threads for lib in _blas_libs()))

        def on_predict_batch_end(self, batch, logs=None):
            self.seen["predict"].append(max(lib.num_threads for lib in _blas_libs()))

        def means(self):
            return {k: statistics.mean(v) if v else None for k, v in self.seen.items()}
    return ThreadsUsed()


def child_blas(quick):
    """float32 GEMM rates (GFLOP/s, median of several) of a big square and a batch-128 shape."""
    import numpy as np
    rng = np.random.default_rng(0)

    def rate(m, k, n, reps):
        a, b = rng.random((m, k), dtype=np.float32), rng.random((k, n), dtype=np.float32)
        out = np.empty((m, n), dtype=np.float32)
        np.matmul(a, b, out=out)
        times = []
        for _ in range(reps):
            start = time.perf_counter()
            np.matmul(a, b, out=out)
            times.append(time.perf_counter() - start)
        return 2 * m * k * n / statistics.median(times) / 1e9
    try:
        blas = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    except TypeError:  # numpy < 1.26 prints its config and takes no mode
        blas = {}
    return {"big_gflops": rate(2048, 2048, 2048, 2 if quick else 7),
            "big_shape": [2048, 2048, 2048],
            "batch_gflops": rate(128, 1024, 1024, 10 if quick else 60),
            "batch_shape": [128, 1024, 1024],
            "blas": f"{blas.get('name', '?')} {blas.get('version', '')}".strip(),
            "numpy": np.__version__, "load": os.getloadavg()[0]}


def _profiled(fn):
    """(seconds, pstats.Stats) of one call of `fn` under cProfile."""
    import cProfile
    import pstats
    prof = cProfile.Profile()
    start = time.perf_counter()
    prof.enable()
    fn()
    prof.disable()
    return time.perf_counter() - start, pstats.Stats(prof)


def _top(stats, key, top, keep=lambda path: True):
    """The `top` functions of a profile by tottime (key 2) or cumtime (key 3)."""
    rows = sorted((kv for kv in stats.stats.items() if keep(kv[0][0])), key=lambda kv: -kv[1][key])
    return [{"function": _func_label(func), "ncalls": nc, "tottime": tt, "cumtime": ct,
             "share": tt / stats.total_tt} for func, (cc, nc, tt, ct, _) in rows[:top]]


def _cumtime(stats, path_end, fname):
    return sum(v[3] for (path, _, f), v in stats.stats.items()
               if path.endswith(path_end) and f == fname)


def child_profile(name, n, top=15):
    """cProfile of one minikeras training epoch and one predict (after a warm-up of each):
    top functions by tottime, the forward/backward split, our own functions by cumtime."""
    import minikeras
    import workloads
    x, y = workloads.DATA[name](n)
    net = workloads.MODELS[name](minikeras)
    fit = lambda: net.fit(x, y, batch_size=workloads.BATCH, epochs=1, verbose=0)  # noqa: E731
    predict = lambda: net.predict(x, batch_size=workloads.BATCH, verbose=0)  # noqa: E731
    fit()
    predict()
    elapsed, stats = _profiled(fit)
    forward = _cumtime(stats, os.path.join("models", "trainer.py"), "loss_fn")
    backward = _cumtime(stats, os.path.join("ops", "gradients.py"), "value_and_grads") - forward
    ours = lambda path: (re.search(r"minikeras/(ops|layers|optimizers)/", path.replace(os.sep, "/"))
                         is not None and not path.endswith("layer.py"))  # noqa: E731
    result = {"n": n, "epoch_s_under_profile": elapsed, "total_tt": stats.total_tt,
              "split": {"forward (traced)": forward, "backward (VJPs)": backward,
                        "rest (optimizer, data, callbacks)": elapsed - forward - backward},
              "top": _top(stats, 2, top), "top_cumulative": _top(stats, 3, top, ours)}
    predict_s, stats = _profiled(predict)
    result.update(predict_s_under_profile=predict_s, predict_top=_top(stats, 2, 8))
    return result


def _func_label(func):
    path, line, fname = func
    if path == "~":
        return fname  # a C function: "<built-in method numpy...>"
    parts = path.split(os.sep)
    short = os.sep.join(parts[-2:]) if "site-packages" in path or "minikeras" in parts else parts[-1]
    return f"{short}:{line}({fname})"


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=["run", "blas", "profile"])
    p.add_argument("--lib")
    p.add_argument("--workload")
    p.add_argument("--n", type=int)
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--threads", default=None)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--fixed-threads", default=None, help="minikeras: set_blas_threads(N)")
    args = p.parse_args(argv)
    if args.kind == "run":
        result = child_run(args.lib, args.workload, args.n, args.repeats, args.threads,
                           args.fixed_threads)
    elif args.kind == "blas":
        result = child_blas(args.quick)
    else:
        result = child_profile(args.workload, args.n)
    print(TAG + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
