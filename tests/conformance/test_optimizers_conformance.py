"""minikeras optimizers and schedules against real Keras 3: same variables, same gradients,
same values after every step."""
import re

import numpy as np
import pytest

from minikeras import optimizers as mko
from minikeras.engine.variable import Variable

SHAPES = [(3, 4), (4,), (2, 2, 3)]


def _sched(module, kind):
    s = module.optimizers.schedules
    if kind == "exp":
        return s.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    if kind == "piecewise":
        return s.PiecewiseConstantDecay([1, 3], [0.1, 0.05, 0.01])
    if kind == "cosine_warmup":
        return s.CosineDecay(0.0, decay_steps=4, warmup_target=0.1, warmup_steps=2)
    raise AssertionError(kind)


# (class name, kwargs); a "schedule" kwarg names a schedule built in each library
CASES = [
    ("SGD", {}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("Adam", {"learning_rate": 0.1}),
    ("Adam", {"learning_rate": 0.1, "amsgrad": True}),
    ("Adam", {"learning_rate": 0.1, "beta_1": 0.5, "beta_2": 0.8, "epsilon": 1e-3}),
    ("AdamW", {"learning_rate": 0.1}),
    ("AdamW", {"learning_rate": 0.1, "weight_decay": 0.5, "amsgrad": True}),
    ("RMSprop", {"learning_rate": 0.1}),
    ("RMSprop", {"learning_rate": 0.1, "momentum": 0.5}),
    ("RMSprop", {"learning_rate": 0.1, "centered": True}),
    ("RMSprop", {"learning_rate": 0.05, "centered": True, "momentum": 0.9, "rho": 0.8}),
    ("Adagrad", {"learning_rate": 0.1}),
    ("Adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 1.0, "epsilon": 1e-3}),
    ("Adadelta", {"learning_rate": 1.0}),
    ("Adadelta", {"learning_rate": 0.5, "rho": 0.5}),
    ("Adamax", {"learning_rate": 0.1}),
    ("Nadam", {"learning_rate": 0.1}),
    ("Nadam", {"learning_rate": 0.1, "beta_1": 0.5}),
    ("Lion", {"learning_rate": 0.1}),
    ("Lion", {"learning_rate": 0.1, "beta_1": 0.5, "beta_2": 0.9}),
    ("Ftrl", {"learning_rate": 0.1}),
    ("Ftrl", {"learning_rate": 0.1, "learning_rate_power": -0.3, "l1_regularization_strength": 0.01,
              "l2_regularization_strength": 0.1, "l2_shrinkage_regularization_strength": 0.05,
              "beta": 0.2, "initial_accumulator_value": 0.5}),
    ("Adam", {"learning_rate": 0.1, "clipnorm": 0.5}),
    ("SGD", {"learning_rate": 0.1, "clipvalue": 0.2}),
    ("RMSprop", {"learning_rate": 0.1, "global_clipnorm": 1.0}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.5, "global_clipnorm": 0.3}),
    ("SGD", {"learning_rate": 0.1, "weight_decay": 0.3}),
    ("Adam", {"learning_rate": 0.1, "weight_decay": 0.1, "clipnorm": 1.0}),
    ("Adam", {"schedule": "exp"}),
    ("SGD", {"schedule": "piecewise", "momentum": 0.5}),
    ("AdamW", {"schedule": "cosine_warmup", "weight_decay": 0.2}),
    ("Adam", {"learning_rate": 0.1, "use_ema": True}),
    ("SGD", {"learning_rate": 0.1, "use_ema": True, "ema_momentum": 0.5,
             "ema_overwrite_frequency": 2}),
    ("Adam", {"learning_rate": 0.1, "gradient_accumulation_steps": 2}),
    ("Nadam", {"learning_rate": 0.1, "gradient_accumulation_steps": 2, "clipnorm": 1.0}),
    ("SGD", {"learning_rate": 0.1, "loss_scale_factor": 4.0}),
]


def _make(module, name, kwargs):
    kwargs = dict(kwargs)
    if "schedule" in kwargs:
        kwargs["learning_rate"] = _sched(module, kwargs.pop("schedule"))
    return getattr(module.optimizers, name)(**kwargs)


def _run_pair(keras, name, kwargs, n_steps=5, seed=0, names=("kernel", "bias", "w3"),
              prepare=None, constraints=None):
    rng = np.random.default_rng(seed)
    init = [rng.normal(size=s).astype("float32") for s in SHAPES]
    grad_seq = [[rng.normal(size=s).astype("float32") * (1 + 2 * (t % 2)) for s in SHAPES]
                for t in range(n_steps)]
    cons = constraints or [None] * len(SHAPES)
    kvars = [keras.Variable(x.copy(), name=n) for x, n in zip(init, names)]
    for kv, c in zip(kvars, cons):
        kv.constraint = c[0] if c else None  # keras.Variable(constraint=...) ignores it
    mvars = [Variable(x.copy(), name=n, constraint=c[1] if c else None)
             for x, n, c in zip(init, names, cons)]
    kopt, mopt = _make(keras, name, kwargs), _make(_mk(), name, kwargs)
    if prepare:
        prepare(kopt, kvars)
        prepare(mopt, mvars)
    for t, grads in enumerate(grad_seq):
        kopt.apply_gradients(zip([g.copy() for g in grads], kvars))
        mopt.apply_gradients(zip([g.copy() for g in grads], mvars))
        for kv, mv in zip(kvars, mvars):
            np.testing.assert_allclose(mv.numpy(), np.asarray(kv.numpy()), rtol=1e-5, atol=1e-6,
                                       err_msg=f"{name} {kwargs} step {t} {mv.name}")
    return kopt, mopt, kvars, mvars


def _mk():
    import minikeras
    return minikeras


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{sorted(k)}" for n, k in CASES])
def test_matches_keras_step_by_step(keras, name, kwargs):
    kopt, mopt, kvars, mvars = _run_pair(keras, name, kwargs)
    assert len(mopt.variables) == len(kopt.variables)
    # Nadam's unnamed `u_product` is "variable" in Keras, numbered "variable_N" there globally
    kpaths = [re.sub(r"/variable_\d+$", "/variable", v.path.replace(kopt.name, mopt.name, 1))
              for v in kopt.variables]
    assert [v.path for v in mopt.variables] == kpaths
    assert int(mopt.iterations) == int(kopt.iterations)
    np.testing.assert_allclose(float(mopt.learning_rate), float(kopt.learning_rate), rtol=1e-6)
    for kv, mv in zip(kopt.variables, mopt.variables):  # slots too (momenta, velocities, ...)
        np.testing.assert_allclose(np.asarray(mv.numpy(), "float64"),
                                   np.asarray(kv.numpy(), "float64"), rtol=1e-5, atol=1e-6,
                                   err_msg=mv.path)
    if kwargs.get("use_ema"):
        kopt.finalize_variable_values(kvars)
        mopt.finalize_variable_values(mvars)
        for kv, mv in zip(kvars, mvars):
            np.testing.assert_allclose(mv.numpy(), np.asarray(kv.numpy()), rtol=1e-5, atol=1e-6)


def test_exclude_from_weight_decay_matches_keras(keras):
    def prepare(opt, variables):
        opt.exclude_from_weight_decay(var_list=[variables[2]], var_names=["bias"])
    _run_pair(keras, "AdamW", {"learning_rate": 0.1, "weight_decay": 0.5}, prepare=prepare)


def test_constraints_applied_like_keras(keras):
    cons = [(keras.constraints.NonNeg(), lambda w: w * (w >= 0)),
            (keras.constraints.MaxNorm(1.0, axis=0), _max_norm_axis0),
            None]
    _run_pair(keras, "SGD", {"learning_rate": 0.5, "momentum": 0.5}, constraints=cons)


def _max_norm_axis0(w):
    w = np.asarray(w)
    norms = np.sqrt(np.sum(np.square(w), axis=0, keepdims=True))
    desired = np.clip(norms, 0, 1.0)
    return w * (desired / (1e-7 + norms))


def test_setting_learning_rate_matches_keras(keras):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4,)).astype("float32")
    kv, mv = keras.Variable(x.copy()), Variable(x.copy())
    kopt, mopt = keras.optimizers.Adam(0.1), mko.Adam(0.1)
    for t in range(4):
        g = rng.normal(size=(4,)).astype("float32")
        if t == 2:
            kopt.learning_rate = 0.01
            mopt.learning_rate = 0.01
        kopt.apply_gradients([(g, kv)])
        mopt.apply_gradients([(g, mv)])
        np.testing.assert_allclose(mv.numpy(), np.asarray(kv.numpy()), rtol=1e-5, atol=1e-6)
    assert mopt.get_config() == {**kopt.get_config(), "name": mopt.name}


SCHEDULES = [
    ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.9)),
    ("ExponentialDecay", dict(initial_learning_rate=0.5, decay_steps=3, decay_rate=0.5,
                              staircase=True)),
    ("PiecewiseConstantDecay", dict(boundaries=[10, 20], values=[1.0, 0.5, 0.1])),
    ("PiecewiseConstantDecay", dict(boundaries=[3], values=[0.3, 0.2])),
    ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=20)),
    ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=7, end_learning_rate=0.01,
                             power=2.0, cycle=True)),
    ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=5, decay_rate=0.5)),
    ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=5, decay_rate=0.5,
                              staircase=True)),
    ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=20)),
    ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=20, alpha=0.1)),
    ("CosineDecay", dict(initial_learning_rate=0.0, decay_steps=20, warmup_target=0.2,
                         warmup_steps=7, alpha=0.05)),
    ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=7)),
    ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=6, t_mul=1.0,
                                 m_mul=0.5, alpha=0.1)),
    ("CosineDecayRestarts", dict(initial_learning_rate=0.2, first_decay_steps=5, t_mul=3.0,
                                 m_mul=0.8)),
]
STEPS = [0, 1, 2, 3, 4, 6, 9, 10, 11, 13, 19, 20, 21, 26, 33, 50, 101]


@pytest.mark.parametrize("name,kwargs", SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_schedule_values_match_keras(keras, name, kwargs):
    import jax
    ks = getattr(keras.optimizers.schedules, name)(**kwargs)
    ms = getattr(mko.schedules, name)(**kwargs)
    # Keras's ops.cond is slow to re-trace at every eager call: trace those schedules once
    # (only those: XLA's division can round 21 / 7 up, which PolynomialDecay's ceil would see)
    kfn = jax.jit(ks) if name.startswith("Cosine") else ks
    for step in STEPS:
        np.testing.assert_allclose(float(ms(step)), float(kfn(np.int32(step))), rtol=1e-5,
                                   atol=1e-7, err_msg=f"{name} step {step}")
    assert ms.get_config() == ks.get_config()
    assert mko.schedules.serialize(ms) == keras.optimizers.schedules.serialize(ks)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta",
                                  "Adamax", "Nadam", "Lion", "Ftrl"])
def test_default_config_matches_keras(keras, name):
    kcfg = getattr(keras.optimizers, name)().get_config()
    mcfg = getattr(mko, name)().get_config()
    kcfg.pop("name"), mcfg.pop("name")
    assert mcfg == kcfg
    assert mko.serialize(getattr(mko, name)())["module"] == "keras.optimizers"
