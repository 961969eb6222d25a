"""The IMDB-style LSTM in minikeras and in real Keras (JAX) in one run: epoch seconds and ratio.

    python bench/lstm.py [--repeats 3] [--quick] [--threads N] [--profile out.prof]
                         [--minikeras-only]

Model: Embedding(5000, 64) -> LSTM(64) -> Dense(1, sigmoid) on 4,096 random sequences of 80 tokens
in [1, 5000), batch 128, RMSprop, binary crossentropy. Each library trains one warm-up epoch (JAX
compiles there), then `--repeats` timed epochs (median), then predicts the same data `--repeats`
times (median). `--quick` uses 512 sequences and one timed epoch, for smoke runs. `--threads N`
caps both libraries' math threads (set before numpy / jax are imported).
"""
import argparse
import os
import statistics
import sys
import time


def _cap_threads(argv):
    """Must run before numpy / jax are imported."""
    if "--threads" in argv:
        n = argv[argv.index("--threads") + 1]
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = n
        eigen = "false" if n == "1" else "true"
        flags = f"--xla_cpu_multi_thread_eigen={eigen} intra_op_parallelism_threads={n}"
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {flags}".strip()


if __name__ == "__main__":
    _cap_threads(sys.argv)
os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import numpy as np  # noqa: E402  (after the thread caps)

VOCAB, STEPS, BATCH = 5000, 80, 128


def data(n=4096, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, VOCAB, size=(n, STEPS)).astype("int32")
    return x, rng.integers(0, 2, size=(n, 1)).astype("float32")


def model(lib):
    L = lib.layers
    net = lib.Sequential([lib.Input((STEPS,), dtype="int32"), L.Embedding(VOCAB, 64), L.LSTM(64),
                          L.Dense(1, activation="sigmoid")])
    net.compile(optimizer=lib.optimizers.RMSprop(), loss="binary_crossentropy")
    return net


def time_epochs(lib, n, repeats, profile=None):
    """(median fit-epoch seconds, median predict seconds) after one warm-up epoch."""
    x, y = data(n)
    net = model(lib)
    net.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)  # warm-up (JAX compiles here)
    net.predict(x, batch_size=BATCH, verbose=0)
    if profile:
        import cProfile
        cProfile.runctx("net.fit(x, y, batch_size=b, epochs=1, verbose=0)", globals(),
                        {"net": net, "x": x, "y": y, "b": BATCH}, profile)
    fit, predict = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        net.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
        fit.append(time.perf_counter() - start)
    for _ in range(repeats):
        start = time.perf_counter()
        net.predict(x, batch_size=BATCH, verbose=0)
        predict.append(time.perf_counter() - start)
    return statistics.median(fit), statistics.median(predict)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="512 sequences, one timed epoch")
    parser.add_argument("--profile", default=None, help="write a cProfile of one minikeras epoch")
    parser.add_argument("--minikeras-only", action="store_true")
    parser.add_argument("--threads", default=None, help="cap math threads (set before imports)")
    args = parser.parse_args()
    n, repeats = (512, 1) if args.quick else (4096, args.repeats)
    import minikeras
    libs = {"minikeras": minikeras}
    if not args.minikeras_only:
        try:
            import keras
            libs["keras-jax"] = keras
        except ImportError:
            print("(real keras not installed: timing minikeras only)")
    print(f"lstm: {n} x {STEPS} tokens, batch {BATCH}, threads: {args.threads or 'default'}, "
          f"load average: {os.getloadavg()[0]:.1f}")
    results = {}
    for label, lib in libs.items():
        profile = args.profile if label == "minikeras" else None
        results[label] = fit_s, predict_s = time_epochs(lib, n, repeats, profile)
        print(f"{label:10s} fit epoch {fit_s:.2f} s   predict {predict_s:.2f} s")
    if len(results) == 2:
        fit_ratio = results["minikeras"][0] / results["keras-jax"][0]
        predict_ratio = results["minikeras"][1] / results["keras-jax"][1]
        print(f"ratio minikeras / keras-jax: fit {fit_ratio:.2f}   predict {predict_ratio:.2f}")


if __name__ == "__main__":
    main()
