"""Benchmarks: minikeras and real Keras 3 (JAX backend) on the same workload in one run.

    python bench/run.py [--repeats 5] [--json out.json]

Each workload trains one epoch after a warm-up epoch; the table shows the median epoch time of
each library and the ratio minikeras / keras-jax. Real Keras is optional: without it only
minikeras is timed.
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


def mlp_data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((12800, 784), dtype=np.float32)
    y = rng.integers(0, 10, size=12800)
    return x, y


def mlp_model(lib):
    L = lib.layers
    model = lib.Sequential([lib.Input((784,)), L.Dense(128, activation="relu"), L.Dropout(0.2),
                            L.Dense(64, activation="relu"), L.Dense(10, activation="softmax")])
    model.compile(optimizer=lib.optimizers.Adam(), loss="sparse_categorical_crossentropy")
    return model


WORKLOADS = {"mlp": (mlp_data, mlp_model)}


def time_epochs(lib, make_data, make_model, repeats):
    x, y = make_data()
    model = make_model(lib)
    model.fit(x, y, batch_size=128, epochs=1, verbose=0)  # warm-up (and compilation for jax)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.fit(x, y, batch_size=128, epochs=1, verbose=0)
        times.append(time.perf_counter() - start)
    predict = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.predict(x, batch_size=128, verbose=0)
        predict.append(time.perf_counter() - start)
    return statistics.median(times), statistics.median(predict)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", default=None)
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    args = parser.parse_args()
    import minikeras
    libs = {"minikeras": minikeras}
    try:
        import keras
        libs["keras-jax"] = keras
    except ImportError:
        print("(real keras not installed: timing minikeras only)")
    rows = []
    for name in args.workloads.split(","):
        make_data, make_model = WORKLOADS[name]
        result = {"workload": name}
        for label, lib in libs.items():
            fit_s, predict_s = time_epochs(lib, make_data, make_model, args.repeats)
            result[f"{label} fit s"] = fit_s
            result[f"{label} predict s"] = predict_s
        if "keras-jax" in libs:
            result["fit ratio"] = result["minikeras fit s"] / result["keras-jax fit s"]
            result["predict ratio"] = result["minikeras predict s"] / result["keras-jax predict s"]
        rows.append(result)
    keys = list(rows[0])
    print(" | ".join(f"{k:>18}" for k in keys))
    for r in rows:
        print(" | ".join(f"{r[k]:>18.3f}" if isinstance(r[k], float) else f"{r[k]:>18}" for k in keys))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main()
