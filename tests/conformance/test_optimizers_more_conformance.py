"""Adafactor, Lamb, Muon, ScheduleFreeAdamW, LossScaleOptimizer and MultiOptimizer against real
Keras 3: same variables (names, order), same values after every step, same config."""

import re

import numpy as np
import pytest

import minikeras
from minikeras.engine.variable import Variable

SHAPES = [(3, 4), (4,), (2, 2, 3), (5, 2)]
NAMES = ("kernel", "bias", "w3", "embeddings")

CASES = [
    ("Adafactor", {}),
    ("Adafactor", {"learning_rate": 0.1}),
    ("Adafactor", {"learning_rate": 0.1, "relative_step": False, "clip_threshold": 0.5,
                   "beta_2_decay": -0.5, "epsilon_2": 0.1}),
    ("Adafactor", {"learning_rate": 0.1, "weight_decay": 0.1, "clipnorm": 1.0}),
    ("Lamb", {}),
    ("Lamb", {"learning_rate": 0.1, "beta_1": 0.5, "beta_2": 0.8, "epsilon": 1e-3}),
    ("Lamb", {"learning_rate": 0.1, "weight_decay": 0.2, "global_clipnorm": 1.0}),
    ("Muon", {}),
    ("Muon", {"learning_rate": 0.05}),
    ("Muon", {"learning_rate": 0.05, "nesterov": False, "momentum": 0.5, "ns_steps": 3,
              "adam_lr_ratio": 0.1, "rms_rate": None, "exclude_embeddings": False}),
    ("Muon", {"learning_rate": 0.05, "exclude_layers": ["kern"], "weight_decay": 0.5,
              "adam_weight_decay": 0.1}),
    ("ScheduleFreeAdamW", {}),
    ("ScheduleFreeAdamW", {"learning_rate": 0.1, "warmup_steps": 3}),
    ("ScheduleFreeAdamW", {"learning_rate": 0.1, "beta_1": 0.5, "weight_decay": 0.1,
                           "epsilon": 1e-3}),
    ("ScheduleFreeAdamW", {"learning_rate": 0.1, "use_ema": True,
                           "gradient_accumulation_steps": 2}),
]


def _pairs(keras, rng):
    init = [rng.normal(size=s).astype("float32") for s in SHAPES]
    kvars = [keras.Variable(x.copy(), name=n) for x, n in zip(init, NAMES)]
    mvars = [Variable(x.copy(), name=n) for x, n in zip(init, NAMES)]
    return kvars, mvars


def _grads(rng, t):
    return [rng.normal(size=s).astype("float32") * (1 + 2 * (t % 2)) for s in SHAPES]


def _close(mv, kv, msg):
    np.testing.assert_allclose(np.asarray(mv, "float64"), np.asarray(kv, "float64"),
                               rtol=2e-5, atol=2e-6, err_msg=msg)


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{sorted(k)}" for n, k in CASES])
def test_matches_keras_step_by_step(keras, name, kwargs):
    rng = np.random.default_rng(0)
    kvars, mvars = _pairs(keras, rng)
    kopt = getattr(keras.optimizers, name)(**kwargs)
    mopt = getattr(minikeras.optimizers, name)(**kwargs)
    for t in range(6):
        grads = _grads(rng, t)
        kopt.apply_gradients(zip([g.copy() for g in grads], kvars))
        mopt.apply_gradients(zip([g.copy() for g in grads], mvars))
        for kv, mv in zip(kvars, mvars):
            _close(mv.numpy(), kv.numpy(), f"{name} {kwargs} step {t} {mv.name}")
    kpaths = [v.path.replace(kopt.name, mopt.name, 1) for v in kopt.variables]
    assert [v.path for v in mopt.variables] == kpaths
    for kv, mv in zip(kopt.variables, mopt.variables):
        if not mv.path.endswith("/iteration"):  # int64 here, int32 in JAX without x64
            assert str(mv.dtype) == str(kv.dtype), mv.path
        _close(mv.numpy(), kv.numpy(), mv.path)
    assert int(mopt.iterations) == int(kopt.iterations)
    assert mopt.get_config() == {**kopt.get_config(), "name": mopt.name}
    again = type(mopt).from_config(mopt.get_config())
    assert again.get_config() == mopt.get_config()


def test_muon_newton_schulz_matches_keras(keras):
    rng = np.random.default_rng(3)
    for shape in [(4, 6), (6, 4), (3, 3)]:
        x = rng.normal(size=shape).astype("float32")
        got = minikeras.optimizers.Muon().zeropower_via_newtonschulz5(x, 5)
        want = keras.optimizers.Muon().zeropower_via_newtonschulz5(x, 5)
        _close(got, np.asarray(want), str(shape))


def test_new_optimizers_train_a_model_like_keras(keras):
    """`fit` with each new optimizer: the same weights as Keras after two epochs."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(32, 5)).astype("float32")
    y = (x @ rng.normal(size=(5, 1))).astype("float32")
    for name in ["Adafactor", "Lamb", "Muon", "ScheduleFreeAdamW"]:
        weights = None
        results = []
        for lib in (keras, minikeras):
            model = lib.Sequential([lib.Input((5,)), lib.layers.Dense(3, activation="tanh"),
                                    lib.layers.Dense(1)])
            if weights is None:
                weights = model.get_weights()
            model.set_weights(weights)
            model.compile(getattr(lib.optimizers, name)(learning_rate=0.05), "mse")
            model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
            results.append(model.get_weights())
        for k, m in zip(*results):
            np.testing.assert_allclose(m, k, rtol=1e-4, atol=1e-5, err_msg=name)


def _stateless_steps(opt, variables, grad_seq):
    """Runs `stateless_apply` step after step, writing the new values back; returns the
    trainable values after each step."""
    opt.build(variables)
    opt_values = [np.array(v.numpy()) for v in opt.variables]
    values = [np.array(v.numpy()) for v in variables]
    history = []
    for grads in grad_seq:
        values, opt_values = opt.stateless_apply(opt_values, [g.copy() for g in grads], values)
        values = [np.asarray(v) for v in values]
        opt_values = [np.asarray(v) for v in opt_values]
        history.append((values, opt_values))
    return history


def test_loss_scale_optimizer_matches_keras(keras):
    """Finite steps unscale and count, a non-finite step is skipped and halves the scale; the
    scale doubles after `dynamic_growth_steps` finite steps in a row."""
    rng = np.random.default_rng(2)
    kvars, mvars = _pairs(keras, rng)
    grad_seq = [_grads(rng, t) for t in range(7)]
    grad_seq[2][1][0] = np.inf
    grad_seq[5][0][1, 1] = np.nan
    grad_seq = [[g * 8.0 for g in grads] for grads in grad_seq]
    results = []
    for lib, variables in ((keras, kvars), (minikeras, mvars)):
        opt = lib.optimizers.LossScaleOptimizer(lib.optimizers.Adam(0.1), initial_scale=8.0,
                                                dynamic_growth_steps=2)
        results.append((opt, _stateless_steps(opt, variables, grad_seq)))
    (kopt, khist), (mopt, mhist) = results
    # optimizer names are numbered per process (adam_3/...): compare them without the number
    assert [re.sub(r"_\d+/", "/", v.path) for v in mopt.variables] == \
           [re.sub(r"_\d+/", "/", v.path) for v in kopt.variables]
    for t, ((kv, ko), (mv, mo)) in enumerate(zip(khist, mhist)):
        for a, b in zip(mv + mo, kv + ko):
            _close(a, b, f"step {t}")
    assert mopt.get_config() == {**kopt.get_config(), "name": mopt.name,
                                 "inner_optimizer": mopt.get_config()["inner_optimizer"]}
    assert keras.optimizers.serialize(kopt)["class_name"] == \
        minikeras.optimizers.serialize(mopt)["class_name"]


def test_loss_scale_optimizer_stateful_apply():
    """Keras's JAX backend allows only `stateless_apply`; the stateful `apply` gives the same."""
    rng = np.random.default_rng(4)
    variables = [Variable(rng.normal(size=(3,)).astype("float32"))]
    grads = [np.array([1.0, 6.0, 7.0], "float32") * 4.0]
    opt = minikeras.optimizers.LossScaleOptimizer(minikeras.optimizers.SGD(0.5),
                                                  initial_scale=4.0, dynamic_growth_steps=2)
    before = variables[0].numpy()
    opt.apply(grads, variables)
    np.testing.assert_allclose(variables[0].numpy(), before - 0.5 * grads[0] / 4.0)
    opt.apply([np.array([np.inf, 0, 0], "float32")], variables)
    np.testing.assert_allclose(variables[0].numpy(), before - 0.5 * grads[0] / 4.0)
    assert float(opt.scale_loss(1.0)) == 2.0 and int(opt.iterations) == 1
    for _ in range(2):
        opt.apply([np.ones(3, "float32")], variables)
    assert float(opt.scale_loss(1.0)) == 4.0 and int(opt.step_counter.numpy()) == 0


def test_multi_optimizer_matches_keras(keras):
    rng = np.random.default_rng(5)
    kvars, mvars = _pairs(keras, rng)
    grad_seq = [_grads(rng, t) for t in range(4)]
    results = []
    for lib, variables in ((keras, kvars), (minikeras, mvars)):
        o = lib.optimizers
        opt_map = o.OptimizerMap(o.SGD(0.1, momentum=0.5), {"kernel|bias": o.Adam(0.05)})
        opt_map["w.*"] = o.Lion(0.01)
        opt = o.MultiOptimizer(opt_map, loss_scale_factor=2.0)
        results.append((opt, _stateless_steps(opt, variables, grad_seq)))
    (kopt, khist), (mopt, mhist) = results
    assert len(mopt.variables) == len(kopt.variables)
    assert [type(o).__name__ for o in mopt.optimizers] == \
           [type(o).__name__ for o in kopt.optimizers]
    for t, ((kv, ko), (mv, mo)) in enumerate(zip(khist, mhist)):
        for a, b in zip(mv + mo, kv + ko):
            _close(a, b, f"step {t}")
    mconfig = minikeras.optimizers.serialize(mopt)
    kconfig = keras.optimizers.serialize(kopt)

    def drop_names(c):
        return {k: drop_names(v) for k, v in c.items() if k != "name"} if isinstance(c, dict) \
            else c
    assert drop_names(mconfig) == drop_names(kconfig)
    again = minikeras.optimizers.deserialize(mconfig)
    assert [type(o).__name__ for o in again.optimizers] == ["Adam", "Lion", "SGD"]


def test_multi_optimizer_fit_matches_keras(keras):
    x = np.ones((4, 3), "float32")
    y = np.zeros((4, 1), "float32")
    results = []
    for lib in (keras, minikeras):
        o = lib.optimizers
        opt = o.MultiOptimizer(o.OptimizerMap(
            o.SGD(0.1), {".*dense_a/.*": o.Adam(0.01), ".*dense_b/.*": o.SGD(0.05, momentum=0.9)}))
        model = lib.Sequential([lib.Input((3,)),
                                lib.layers.Dense(2, kernel_initializer="ones", name="dense_a"),
                                lib.layers.Dense(1, kernel_initializer="ones", name="dense_b")])
        model.compile(opt, "mse")
        model.fit(x, y, batch_size=2, epochs=2, verbose=0)
        results.append((model.get_weights(), [int(o.iterations) for o in opt.optimizers]))
    (kw, kit), (mw, mit) = results
    assert mit == kit
    for a, b in zip(mw, kw):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["loss_scale_factor", "LossScaleOptimizer"])
def test_fit_scales_the_loss_like_keras(keras, kind):
    """`fit` multiplies the loss by the optimizer's scale and the optimizer divides the
    gradients back: the weights and the logged (unscaled) loss match Keras."""
    rng = np.random.default_rng(6)
    x = rng.normal(size=(8, 3)).astype("float32")
    y = x[:, :1] * 2
    results = []
    for lib in (keras, minikeras):
        o = lib.optimizers
        opt = (o.SGD(0.1, loss_scale_factor=4.0) if kind == "loss_scale_factor" else
               o.LossScaleOptimizer(o.SGD(0.1), initial_scale=8.0, dynamic_growth_steps=3))
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(1, kernel_initializer="ones")])
        model.compile(opt, "mse")
        history = model.fit(x, y, batch_size=2, epochs=2, verbose=0, shuffle=False)
        results.append((model.get_weights(), history.history["loss"], float(opt.scale_loss(1.0))))
    (kw, kloss, kscale), (mw, mloss, mscale) = results
    np.testing.assert_allclose(mloss, kloss, rtol=1e-5)
    assert mscale == kscale
    for a, b in zip(mw, kw):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["LossScaleOptimizer", "MultiOptimizer", "Adafactor", "Muon"])
def test_keras_files_round_trip_with_the_optimizer_state(keras, kind, tmp_path):
    """A `.keras` file from Keras loads here with the optimizer's state, and ours loads in
    Keras: the same `optimizer/vars`, `optimizer/inner_optimizer/...`,
    `optimizer/optimizers/<name>/...` entries."""
    def make(o):
        if kind == "LossScaleOptimizer":
            return o.LossScaleOptimizer(o.Adam(), initial_scale=4.0)
        if kind == "MultiOptimizer":
            return o.MultiOptimizer(o.OptimizerMap(o.SGD(momentum=0.5), {".*first/.*": o.Adam()}))
        return getattr(o, kind)()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="first"),
                              keras.layers.Dense(1, name="second")])
    model.compile(make(keras.optimizers), "mse")
    model.fit(np.arange(12, dtype="float32").reshape(4, 3), np.ones((4, 1)), verbose=0)
    model.save(tmp_path / "k.keras")
    ours = minikeras.saving.load_model(tmp_path / "k.keras")
    assert type(ours.optimizer).__name__ == kind
    assert len(ours.optimizer.variables) == len(model.optimizer.variables)
    for a, b in zip(ours.optimizer.variables, model.optimizer.variables):
        _close(a.numpy(), np.asarray(b.numpy()), a.path)
    ours.fit(np.ones((4, 3), "float32"), np.zeros((4, 1), "float32"), verbose=0)
    ours.save(tmp_path / "m.keras")
    theirs = keras.saving.load_model(tmp_path / "m.keras")
    for a, b in zip(ours.optimizer.variables, theirs.optimizer.variables):
        _close(a.numpy(), np.asarray(b.numpy()), a.path)
