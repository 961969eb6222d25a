"""minikeras and real Keras 3 (JAX backend) on the same workloads, in this one process.

    python bench/run.py [--repeats 5] [--json out.json] [--workloads mlp,cnn,lstm,transformer]
                        [--threads N]

Each workload trains one epoch after a warm-up epoch; the table shows the median epoch and predict
seconds of each library and the ratio minikeras / keras-jax. Real Keras is optional: without it only
minikeras is timed. The full suite (subprocess per run, every peer, FLOP floor, memory, import time,
sizes, JSON and chart) is bench/suite.py.
"""
import argparse
import json
import statistics
import sys

from threads import cap_threads


def main():
    import workloads
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", default=None)
    parser.add_argument("--workloads", default="mlp")
    parser.add_argument("--threads", default=None, help="cap math threads (set before imports)")
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
        x, y = workloads.DATA[name]()
        result = {"workload": name}
        for label, lib in libs.items():
            times = workloads.time_fit_predict(workloads.MODELS[name](lib), x, y, args.repeats)
            result[f"{label} fit s"] = statistics.median(times["fit"])
            result[f"{label} predict s"] = statistics.median(times["predict"])
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
    cap_threads(sys.argv)
    main()
