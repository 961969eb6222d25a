"""minikeras chooses its BLAS threads inside fit / evaluate / predict / RNN loops and restores the
process's own setting after (engine/blas_threads.py). No timing here: the counts are read back."""
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import minikeras as K
from minikeras.engine import blas_threads
from minikeras.engine import random as mk_random


def blas_count():
    return max(lib.num_threads for lib in blas_threads._blas_libs())


class RecordThreads(K.callbacks.Callback):
    """Records the BLAS thread count at every batch of fit, of its validation and of predict."""

    def __init__(self):
        super().__init__()
        self.train, self.test, self.predict = [], [], []

    def on_train_batch_end(self, batch, logs=None):
        self.train.append(blas_count())

    def on_test_batch_end(self, batch, logs=None):
        self.test.append(blas_count())

    def on_predict_batch_end(self, batch, logs=None):
        self.predict.append(blas_count())


@pytest.fixture
def fixed_threads():
    """keras.config.set_blas_threads, reset after the test."""
    yield K.config.set_blas_threads
    K.config.set_blas_threads(None)


@pytest.fixture
def model_and_data():
    model = K.Sequential([K.Input((6,)), K.layers.Dense(8, activation="relu"), K.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(0)
    return model, rng.random((64, 6), dtype=np.float32), rng.random((64, 1), dtype=np.float32)


def test_fixed_count_applies_inside_fit_and_validation_and_is_restored(fixed_threads,
                                                                         model_and_data):
    model, x, y = model_and_data
    fixed_threads(1)
    record = RecordThreads()
    with threadpool_limits(limits=2, user_api="blas"):  # the process's own setting
        model.fit(x, y, batch_size=16, epochs=2, verbose=0, validation_data=(x, y),
                  callbacks=[record])
        assert blas_count() == 2  # restored after fit, though evaluate ran nested inside it
        model.predict(x, batch_size=16, verbose=0, callbacks=[record])
        assert blas_count() == 2
    assert record.train == [1] * 8 and record.test == [1] * 8 and record.predict == [1] * 4
    assert K.config.blas_threads() == 1


def test_setting_is_restored_when_fit_raises(fixed_threads, model_and_data):
    model, x, y = model_and_data

    class Boom(K.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            assert blas_count() == 1
            raise RuntimeError("stop here")

    fixed_threads(1)
    with threadpool_limits(limits=2, user_api="blas"):
        with pytest.raises(RuntimeError, match="stop here"):
            model.fit(x, y, verbose=0, callbacks=[Boom()])
        assert blas_count() == 2
        assert blas_threads._depth == 0


def test_recurrent_loop_called_on_its_own_uses_the_scope(fixed_threads):
    seen = []

    class Cell(K.layers.SimpleRNNCell):
        def call(self, inputs, states, training=False):
            seen.append(blas_count())
            return super().call(inputs, states, training=training)

    layer = K.layers.RNN(Cell(4))
    fixed_threads(1)
    with threadpool_limits(limits=2, user_api="blas"):
        out = layer(np.ones((2, 3, 5), dtype="float32"))
        assert blas_count() == 2
    assert out.shape == (2, 4) and seen == [1, 1, 1]


@pytest.mark.parametrize("bad", [0, -2, 1.5, "2", True])
def test_set_blas_threads_rejects_anything_but_a_positive_integer(bad, fixed_threads):
    with pytest.raises(ValueError, match=r"`blas_threads` must be a positive integer or None.*"
                                         r"Received: blas_threads="):
        K.config.set_blas_threads(bad)
    assert K.config.blas_threads() is None


# --- the automatic rule, on a scripted /proc/stat --------------------------------------------
class FakeCpu:
    """read_cpu_times for two cores on which other processes keep `others` cores busy."""

    def __init__(self):
        self.wall = self.busy = self.own = self.others = 0.0

    def advance(self, seconds, own_cores=1.0):
        self.wall += seconds
        self.busy += seconds * (self.others + own_cores)
        self.own += seconds * own_cores

    def __call__(self, cores):
        return self.wall, self.busy, self.own


@pytest.fixture
def fake_cpu(monkeypatch):
    cpu = FakeCpu()
    monkeypatch.setattr(blas_threads, "read_cpu_times", cpu)
    monkeypatch.setattr(blas_threads, "_cores", lambda: [0, 1])
    monkeypatch.setattr(blas_threads, "_meter", None)
    monkeypatch.setitem(mk_random._global, "seeded", False)
    return cpu


@pytest.mark.parametrize("others, expected", [(0.0, 2), (0.1, 2), (0.3, 1), (1.0, 1), (1.9, 1)])
def test_threads_follow_the_free_cores(fake_cpu, others, expected):
    fake_cpu.others = others
    with threadpool_limits(limits=2, user_api="blas"):
        with blas_threads.blas_scope():
            assert blas_count() == 1  # nothing measured yet: one thread is safe on a busy machine
            fake_cpu.advance(blas_threads.MEASURE_EVERY)
            blas_threads.tick()
            assert blas_count() == expected
            fake_cpu.others = 0.0 if expected == 1 else 1.0  # the load changes mid-fit
            fake_cpu.advance(blas_threads.MEASURE_EVERY)
            blas_threads.tick()
            assert blas_count() == 3 - expected
        assert blas_count() == 2


def test_automatic_rule_never_exceeds_the_process_setting(fake_cpu):
    with threadpool_limits(limits=1, user_api="blas"):  # the user asked for one thread
        with blas_threads.blas_scope():
            fake_cpu.advance(blas_threads.MEASURE_EVERY)
            blas_threads.tick()
            assert blas_count() == 1


def test_seeded_runs_use_one_thread_whatever_the_load(fake_cpu):
    mk_random.set_random_seed(3)  # (the fixture's monkeypatch restores the flag after the test)
    with threadpool_limits(limits=2, user_api="blas"):
        with blas_threads.blas_scope():
            fake_cpu.advance(blas_threads.MEASURE_EVERY)
            blas_threads.tick()
            assert blas_count() == 1


def test_read_cpu_times_counts_this_process():
    cores = blas_threads._cores()
    first = blas_threads.read_cpu_times(cores)
    if first is None:
        pytest.skip("no /proc/stat on this platform")  # (CI runs on Linux, where skips fail)
    a = np.ones((300, 300))
    for _ in range(200):
        a = np.tanh(a @ a / 300)  # CPU work of this process
    wall, busy, own = (u - v for u, v in zip(blas_threads.read_cpu_times(cores), first))
    assert wall > 0 and own > 0 and busy > 0
