"""The seed CNN in minikeras and in real Keras (JAX) in one run: median epoch seconds and ratio.

    python bench/cnn.py [--repeats 3] [--variant auto|seed|conv-only] [--threads N]
                        [--profile out.prof] [--minikeras-only]

Model (the seed): Conv2D(32, 3, relu) -> MaxPooling2D(2) -> Conv2D(64, 3, relu) -> MaxPooling2D(2)
-> Flatten -> Dense(64, relu) -> Dropout(0.5) -> Dense(10, softmax), on 4,096 random 28x28x1
float32 images, batch 128, Adam, sparse categorical crossentropy. Each library trains one warm-up
epoch (JAX compiles there), then `--repeats` timed epochs. The "conv-only" variant replaces each
MaxPooling2D((2, 2)) by Conv2D(channels, 2, strides=2), for when pooling is not available.
`--threads N` caps both libraries' math threads (OpenBLAS for numpy, Eigen/XLA for JAX); on a
shared machine OpenBLAS's spinning threads can be much slower than one thread.
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


def data(n=4096, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 28, 28, 1), dtype=np.float32), rng.integers(0, 10, size=n)


def model(lib, variant):
    L = lib.layers

    def pool(channels):
        if variant == "seed":
            return L.MaxPooling2D((2, 2))
        return L.Conv2D(channels, (2, 2), strides=2)
    net = lib.Sequential([
        lib.Input((28, 28, 1)),
        L.Conv2D(32, (3, 3), activation="relu"), pool(32),
        L.Conv2D(64, (3, 3), activation="relu"), pool(64),
        L.Flatten(), L.Dense(64, activation="relu"), L.Dropout(0.5),
        L.Dense(10, activation="softmax")])
    net.compile(optimizer=lib.optimizers.Adam(), loss="sparse_categorical_crossentropy")
    return net


def time_epochs(lib, variant, repeats, profile=None):
    x, y = data()
    net = model(lib, variant)
    net.fit(x, y, batch_size=128, epochs=1, verbose=0)  # warm-up (JAX compiles here)
    if profile:
        import cProfile
        cProfile.runctx("net.fit(x, y, batch_size=128, epochs=1, verbose=0)", globals(),
                        {"net": net, "x": x, "y": y}, profile)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        net.fit(x, y, batch_size=128, epochs=1, verbose=0)
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    net.predict(x, batch_size=128, verbose=0)
    return statistics.median(times), time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--variant", default="auto", choices=["auto", "seed", "conv-only"])
    parser.add_argument("--profile", default=None, help="write a cProfile of one minikeras epoch")
    parser.add_argument("--minikeras-only", action="store_true")
    parser.add_argument("--threads", default=None, help="cap math threads (set before imports)")
    args = parser.parse_args()
    import minikeras
    variant = args.variant
    if variant == "auto":
        variant = "seed" if hasattr(minikeras.layers, "MaxPooling2D") else "conv-only"
    libs = {"minikeras": minikeras}
    if not args.minikeras_only:
        try:
            import keras
            libs["keras-jax"] = keras
        except ImportError:
            print("(real keras not installed: timing minikeras only)")
    print(f"variant: {variant}, threads: {args.threads or 'default'}, "
          f"load average: {os.getloadavg()[0]:.1f}")
    fit = {}
    for label, lib in libs.items():
        fit[label], predict = time_epochs(lib, variant, args.repeats,
                                          args.profile if label == "minikeras" else None)
        print(f"{label:10s} fit epoch {fit[label]:.2f} s   predict {predict:.2f} s")
    if len(fit) == 2:
        print(f"ratio minikeras / keras-jax: {fit['minikeras'] / fit['keras-jax']:.2f}")


if __name__ == "__main__":
    main()
