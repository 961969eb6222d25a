"""TensorBoard callback against real Keras 3's: the same fit (fixed weights, SGD, unshuffled data)
with each library's callback, and both log directories read by TensorBoard's own
`EventAccumulator`: the same files, tags, plugins, dtypes, shapes, steps and values. Our
records also go through TensorFlow's `Event` proto and reader (CRCs checked) unchanged.

Real Keras's callback needs TensorBoard installed (`tf.summary.scalar` lives there): locally the
module skips without it; in CI (CI=true) that is a failure, as for Keras in conftest.py.
"""
import glob
import json
import os
import re

import numpy as np
import pytest

import minikeras
from conformance_helpers import require_oracle

try:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.util.tensor_util import make_ndarray
except ImportError:  # pragma: no cover - depends on the machine
    EventAccumulator = make_ndarray = None

NAME = re.compile(r"^events\.out\.tfevents\.\d{10}\.[^/]+\.\d+\.\d+\.v2$")
X = np.linspace(-1, 1, 24, dtype="float32").reshape(12, 2)
Y = (X[:, :1] > 0).astype("float32")
# the same Keras program for both libraries; the weights and the unshuffled data fix the values
CASES = {
    "epoch_histograms": dict(kind="functional", tb=dict(histogram_freq=1)),
    "every_2_batches": dict(kind="functional", tb=dict(update_freq=2, histogram_freq=2)),
    "every_batch_sequential": dict(kind="sequential", tb=dict(update_freq="batch")),
    "steps_per_second": dict(kind="functional", tb=dict(update_freq=3,
                                                        write_steps_per_second=True)),
    "no_graph_then_evaluate": dict(kind="functional", tb=dict(write_graph=False), evaluate=True),
    "evaluate_again": dict(kind="functional", tb=dict(update_freq=2), evaluate=True),
    # a subclassed model: no config summary, but Keras opens the train file at set_model;
    # with update_freq=4 only the last evaluation is recorded (after 6 validation batches)
    "subclassed": dict(kind="subclassed", tb=dict(update_freq=4)),
    "subclassed_one_epoch": dict(kind="subclassed", tb=dict(update_freq=4), epochs=1),
}


@pytest.fixture(scope="module")
def tensorboard():
    # real Keras's callback writes through TensorBoard, and its reader is our oracle
    require_oracle(EventAccumulator, "TensorBoard")


def subclassed(lib, dense):
    class Sub(lib.Model):
        def __init__(self):
            super().__init__(name="tb_sub")
            self.dense = dense

        def call(self, x):
            return self.dense(x)

    return Sub()


def train(lib, log_dir, kind, tb, evaluate=False, epochs=3):
    """Fits (then maybe evaluates) a one-unit logistic model with `lib.callbacks.TensorBoard`."""
    dense = lib.layers.Dense(1, activation="sigmoid", kernel_initializer="ones",
                             bias_initializer="zeros", name="tb_out")
    if kind == "subclassed":
        model = subclassed(lib, dense)
    elif kind == "sequential":  # Keras's Sequential weight paths add the model name: no histograms
        model = lib.Sequential([lib.Input((2,), name="tb_in"), dense], name="tb_seq")
    else:
        inputs = lib.Input((2,), name="tb_in")
        model = lib.Model(inputs, dense(inputs), name="tb_model")
    model.compile(optimizer=lib.optimizers.SGD(0.1, name="tb_sgd"), loss="binary_crossentropy",
                  metrics=["accuracy"])
    callback = lib.callbacks.TensorBoard(str(log_dir), **tb)
    model.fit(X, Y, batch_size=4, epochs=epochs, validation_data=(X[:6], Y[:6]), shuffle=False,
              verbose=0, callbacks=[callback])
    if evaluate:
        model.evaluate(X, Y, batch_size=5, verbose=0, callbacks=[callback])


def read(log_dir):
    """{"train"/"validation": [per file in writing order: {tag: (plugin, [(step, array)])}]}."""
    runs = {}
    for run in sorted(os.listdir(log_dir)):
        names = sorted(os.listdir(os.path.join(log_dir, run)), key=lambda n: int(n.split(".")[-2]))
        assert all(NAME.match(n) for n in names), names
        runs[run] = []
        for name in names:
            accumulator = EventAccumulator(os.path.join(log_dir, run, name),
                                           size_guidance={"tensors": 0})
            accumulator.Reload()
            runs[run].append({
                tag: (accumulator.SummaryMetadata(tag).plugin_data,
                      [(e.step, make_ndarray(e.tensor_proto)) for e in accumulator.Tensors(tag)])
                for tag in accumulator.Tags()["tensors"]})
    return runs


def same_value(tag, ours, theirs):
    if tag == "keras":  # the model config: our JSON is ours, its model is the same
        layers = [[json.loads(v.item())["class_name"]] + [
            (layer["class_name"], layer["config"]["name"])
            for layer in json.loads(v.item())["config"]["layers"]] for v in (ours, theirs)]
        assert layers[0] == layers[1]
    elif "steps_per_second" in tag:  # a timing: only its kind
        assert ours.dtype == theirs.dtype == np.float32 and ours > 0
    else:
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, tag
        np.testing.assert_allclose(ours, theirs, rtol=2e-5, atol=1e-7, err_msg=tag)


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_logs_as_keras(keras, tensorboard, tmp_path, case):
    train(keras, tmp_path / "keras", **CASES[case])
    train(minikeras, tmp_path / "ours", **CASES[case])
    ours, theirs = read(tmp_path / "ours"), read(tmp_path / "keras")
    assert sorted(ours) == sorted(theirs)
    for run in theirs:
        assert len(ours[run]) == len(theirs[run]), run
        for mine, ref in zip(ours[run], theirs[run]):
            assert list(mine) == list(ref), run  # the same tags, first written in the same order
            for tag, (plugin, events) in ref.items():
                assert mine[tag][0] == plugin, tag
                assert [s for s, _ in mine[tag][1]] == [s for s, _ in events], tag
                for (_, a), (_, b) in zip(mine[tag][1], events):
                    same_value(tag, a, b)


def test_tensorflow_reads_our_records_unchanged(keras, tensorboard, tmp_path):
    import tensorflow as tf
    from minikeras.utils import event_file
    train(minikeras, tmp_path, "functional", dict(histogram_freq=1, update_freq=2))
    paths = glob.glob(str(tmp_path / "*" / "events.out.tfevents.*"))
    assert len(paths) == 2
    for path in paths:
        with open(path, "rb") as f:
            data = f.read()
        records = [r.numpy() for r in tf.data.TFRecordDataset(path)]  # checks the CRCs
        assert b"".join(event_file.tfrecord(r) for r in records) == data
        events = list(tf.compat.v1.train.summary_iterator(path))
        assert events[0].file_version == "brain.Event:2"
        assert events[0].source_metadata.writer == "tensorflow.core.util.events_writer"
        for record, event in zip(records, events):
            assert event.SerializeToString() == record
        assert all(len(e.summary.value) == 1 for e in events[1:])
