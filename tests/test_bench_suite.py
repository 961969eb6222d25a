"""bench/suite.py's pieces without subprocesses: FLOP counts checked by hand; the summary, table,
JSON and sanity checks on fake timings."""
import json
import math
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))

import suite_report as report  # noqa: E402
import suite_sizes  # noqa: E402
import workloads  # noqa: E402

BLAS = {"big_gflops": 100.0, "batch_gflops": 50.0, "blas": "fake-blas", "numpy": "2.x"}


def test_mlp_flops_match_a_hand_count():
    # 784 -> 128 -> 64 -> 10: a Dense layer is 2 * in * out multiply-adds per sample
    per_sample = 2 * 784 * 128 + 2 * 128 * 64 + 2 * 64 * 10
    assert per_sample == 218_368
    counted = workloads.flops("mlp", 12800)
    assert counted["forward"] == 12800 * per_sample == 2_795_110_400
    assert counted["train"] == 8_385_331_200
    assert dict(counted["layers"]) == {"dense_128": 2 * 12800 * 784 * 128,
                                       "dense_64": 2 * 12800 * 128 * 64,
                                       "dense_10": 2 * 12800 * 64 * 10}


def test_other_workload_flops_per_sample():
    cnn = 2 * 26 * 26 * (3 * 3 * 1) * 32 + 2 * 11 * 11 * (3 * 3 * 32) * 64 + 2 * 1600 * 64 + 2 * 64 * 10
    assert workloads.flops("cnn", 1)["forward"] == cnn == 5_056_000
    lstm = 80 * (2 * 64 * 256 + 2 * 64 * 256) + 2 * 64
    assert workloads.flops("lstm", 1)["forward"] == lstm
    qkv, scores, out, ffn = 3 * 2 * 64 * 64 * 64, 4 * 2 * 64 * 64 * 16, 2 * 64 * 64 * 64, 2 * 2 * 64 * 64 * 128
    transformer = qkv + 2 * scores + out + ffn + 2 * 64 * 2
    assert workloads.flops("transformer", 1)["forward"] == transformer == 5_243_136
    assert workloads.flops("cnn", 4096)["forward"] == 4096 * cnn
    with pytest.raises(ValueError, match="Unknown workload"):
        workloads.flops("resnet", 1)


def _run(fit, predict, peak=120.0, base=50.0):
    return {"status": "ok", "fit_times": fit, "predict_times": predict, "peak_mb": peak,
            "base_mb": base, "load": 0.5}


def fake_results():
    runs = {
        "mlp": {"minikeras": _run([0.6, 0.5, 0.4], [0.1, 0.1, 0.3], peak=123.4),
                "keras-jax": _run([0.25, 0.2, 0.3], [0.05, 0.05, 0.05], peak=400.0),
                "keras-torch": {"status": "not installed"}, "torch": {"status": "not installed"}},
        "cnn": {"minikeras": _run([2.0], [0.5]), "keras-jax": {"status": "error", "error": "boom"},
                "keras-torch": {"status": "not installed"}, "torch": {"status": "not installed"}},
    }
    n = {"mlp": 12800, "cnn": 4096}
    return {
        "settings": {"quick": False, "threads": "1", "repeats": 3, "libs": list(report.LIBS),
                     "batch": 128},
        "machine": {"cpu_count": 2, "python": "3.x", "platform": "linux",
                    "load_start": (1.0, 1.0, 1.0), "load_end": (1.5, 1.0, 1.0)},
        "blas": BLAS,
        "workloads": {name: report.summarize(name, n[name], runs[name], BLAS) for name in runs},
        "imports": {"import minikeras": 0.01, "import keras (jax)": None},
        "sizes": {"minikeras package (source)": 1.0, "minikeras package (with bytecode)": 2.0,
                  "stacks": {"minikeras + deps": {"total": 70.0, "parts": {"numpy": 45.0}},
                             "keras + torch stack": None}},
    }


def test_summary_medians_ratios_and_floor():
    mlp = fake_results()["workloads"]["mlp"]
    assert mlp["runs"]["minikeras"]["fit"] == 0.5 and mlp["runs"]["keras-jax"]["fit"] == 0.25
    assert mlp["ratios"]["fit"]["keras-jax"] == pytest.approx(2.0)
    assert mlp["ratios"]["predict"]["keras-jax"] == pytest.approx(2.0)
    assert "keras-torch" not in mlp["ratios"]["fit"]
    assert mlp["floor"]["fit"] == pytest.approx(8_385_331_200 / 100e9)
    assert mlp["floor"]["predict"] == pytest.approx(2_795_110_400 / 100e9)
    assert mlp["floor_batch128"]["fit"] == pytest.approx(8_385_331_200 / 50e9)
    assert mlp["ratios"]["fit"]["floor"] == pytest.approx(0.5 / (8_385_331_200 / 100e9))
    faster_batch = dict(BLAS, batch_gflops=200.0)  # the floor takes the best rate measured
    assert report.summarize("mlp", 12800, {}, faster_batch)["floor"]["fit"] == pytest.approx(
        8_385_331_200 / 200e9)


def test_table_and_json():
    results = fake_results()
    table = report.format_table(results)
    mlp_fit = next(line for line in table.splitlines() if line.startswith("mlp") and "fit" in line)
    assert "0.500" in mlp_fit and "0.250" in mlp_fit and "2.00x" in mlp_fit
    assert mlp_fit.count("not installed") == 2
    cnn_fit = next(line for line in table.splitlines() if line.startswith("cnn") and "fit" in line)
    assert "error" in cnn_fit
    assert "123 (50)" in table and "400 (50)" in table
    assert "import keras (jax)" in table and "keras + torch stack" in table
    assert json.loads(json.dumps(results))["workloads"]["mlp"]["ratios"]["fit"]["keras-jax"] == 2.0
    assert report.problems(results) == []


def test_problems_flags_failures_and_non_finite_numbers():
    results = fake_results()
    results["workloads"]["mlp"]["runs"]["minikeras"]["predict"] = math.nan
    results["workloads"]["cnn"]["runs"]["minikeras"] = {"status": "error", "error": "Traceback"}
    found = report.problems(results)
    assert any("mlp: minikeras predict" in p for p in found)
    assert any("cnn: minikeras error" in p for p in found)
    assert not any("keras-jax" in p for p in found)  # a peer's failure is shown, not fatal


def test_thread_env_caps_every_library():
    from threads import thread_env
    env = thread_env(1, {"XLA_FLAGS": "--foo"})
    assert env["OPENBLAS_NUM_THREADS"] == env["OMP_NUM_THREADS"] == "1"
    assert env["XLA_FLAGS"].startswith("--foo ") and "multi_thread_eigen=false" in env["XLA_FLAGS"]
    assert thread_env(None, {"A": "b"}) == {"A": "b"}


def test_minikeras_dependencies_come_from_pyproject():
    assert {"numpy", "autograd", "h5py"} <= set(suite_sizes.pyproject_dependencies())


# --- --contended (bench/suite_contended.py) ----------------------------------------------------
def _timed(fit, predict):
    return {"status": "ok", "fit": fit, "predict": predict}


def test_contended_table_ratios_and_problems():
    import suite_contended as contended
    runs = {"quiet": {"mk": _timed(1.0, 0.5), "mk 1t": _timed(1.2, 0.5),
                      "mk old": _timed(1.0, 0.4), "jax": _timed(0.8, 0.2)},
            "contended": {"mk": _timed(1.5, 0.6), "mk 1t": _timed(1.25, 0.5),
                          "mk old": _timed(4.5, 1.2), "jax": {"status": "timeout"}}}
    results = {"settings": {"repeats": 3, "configs": list(contended.CONFIGS)},
               "machine": {"cpu_count": 2}, "workloads": {"lstm": runs}}
    r = contended.ratios(runs["contended"])
    assert r["fit"] == {"mk/1t": 1.2, "mk/jax": None, "mk/old": 1.5 / 4.5}
    assert r["predict"]["mk/1t"] == pytest.approx(1.2)
    table = contended.format_table(results)
    fit_row = next(line for line in table.splitlines() if line.startswith("lstm"))
    assert "1.000    1.200    1.000    0.800 |     1.500    1.250    4.500  timeout" in fit_row
    assert fit_row.endswith("1.20x        -    0.33x")
    assert contended.problems(results) == []  # a peer's timeout is shown, not fatal
    runs["contended"]["mk 1t"] = {"status": "error", "error": "boom"}
    runs["quiet"]["mk"]["fit"] = float("nan")
    assert contended.problems(results) == ["lstm quiet mk fit: nan",
                                           "lstm contended mk 1t: error boom"]


def test_busy_core_process_is_stopped(tmp_path):
    import suite_contended as contended
    with contended.busy_core(60) as proc:
        assert proc.poll() is None  # spinning
    assert proc.poll() is not None  # stopped when the block ends
