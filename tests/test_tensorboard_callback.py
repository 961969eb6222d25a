"""`keras.callbacks.TensorBoard` and its event files, read back with a small reader written here
(TFRecord CRCs checked bit by bit, protobuf decoded field by field), numpy only."""
import json
import os
import re
import struct

import numpy as np
import pytest

import minikeras as keras
from minikeras.callbacks.tensorboard import TensorBoard
from minikeras.utils import event_file

NAME = re.compile(r"^events\.out\.tfevents\.\d{10}\.[^/]+\.\d+\.\d+\.v2$")


# --- a reader independent of the writer -------------------------------------------------------
def crc32c_bitwise(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 * (crc & 1))
    return crc ^ 0xFFFFFFFF


def masked(data):
    crc = crc32c_bitwise(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def read_records(path):
    with open(path, "rb") as f:
        data = f.read()
    records, pos = [], 0
    while pos < len(data):
        header = data[pos:pos + 8]
        (length,) = struct.unpack("<Q", header)
        assert struct.unpack("<I", data[pos + 8:pos + 12])[0] == masked(header)
        body = data[pos + 12:pos + 12 + length]
        assert struct.unpack("<I", data[pos + 12 + length:pos + 16 + length])[0] == masked(body)
        records.append(body)
        pos += 16 + length
    assert pos == len(data)
    return records


def varint(buf, pos):
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, pos


def fields(buf):
    """Protobuf wire format -> {field number: [values]}: varints as ints, the rest as bytes."""
    out, pos = {}, 0
    while pos < len(buf):
        key, pos = varint(buf, pos)
        wire = key & 7
        if wire == 0:
            value, pos = varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        else:
            assert wire == 2, wire
            n, pos = varint(buf, pos)
            value, pos = buf[pos:pos + n], pos + n
        out.setdefault(key >> 3, []).append(value)
    return out


def decode_event(record):
    """(step, tag, plugin name, value): a float/array for numeric tensors, a str for strings."""
    event = fields(record)
    step = event.get(2, [0])[0]
    step = step - 2 ** 64 if step >= 2 ** 63 else step
    (value,) = fields(event[5][0])[1]
    value = fields(value)
    tensor = fields(value[8][0])
    plugin = fields(fields(value[9][0])[1][0])[1][0].decode()
    shape = tuple(fields(d).get(1, [0])[0] for d in fields(tensor[2][0]).get(2, []))
    if tensor[1][0] == 7:
        data = tensor[8][0].decode()
    else:
        data = np.frombuffer(tensor[4][0], {1: "<f4", 2: "<f8"}[tensor[1][0]]).reshape(shape)
        data = float(data) if shape == () else data
    return step, value[1][0].decode(), plugin, data


def read_run(directory, index=-1):
    """The events of one file in `directory` (the newest by default): {tag: [(step, value)]}."""
    names = sorted(os.listdir(directory), key=lambda n: int(n.split(".")[-2]))
    assert all(NAME.match(n) for n in names), names
    header, *records = read_records(os.path.join(directory, names[index]))
    head = fields(header)
    assert head[3] == [b"brain.Event:2"] and float(struct.unpack("<d", head[1][0])[0]).is_integer()
    out = {}
    for record in records:
        step, tag, plugin, value = decode_event(record)
        assert plugin == {"keras": "graph_keras_model"}.get(
            tag, "histograms" if tag.endswith("/histogram") else "scalars")
        out.setdefault(tag, []).append((step, value))
    return out


# --- the format -------------------------------------------------------------------------------
def test_crc32c_and_record_framing():
    assert event_file.crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value
    for data in (b"", b"a", bytes(range(256)) * 3):
        assert event_file.crc32c(data) == crc32c_bitwise(data)
        assert event_file.masked_crc32c(data) == masked(data)
    record = event_file.tfrecord(b"hello")
    assert len(record) == 8 + 4 + 5 + 4 and record[12:17] == b"hello"


@pytest.mark.parametrize("step", [0, 1, 300, 2 ** 40, -5])
def test_scalar_event_round_trip(step):
    record = event_file.event(step, [event_file.scalar_value("epoch_loss", 0.1)], wall_time=3.5)
    assert decode_event(record) == (step, "epoch_loss", "scalars", float(np.float32(0.1)))
    assert struct.unpack("<d", fields(record)[1][0])[0] == 3.5


@pytest.mark.parametrize("data,first,last", [
    (np.arange(10.0), [0.0, 0.3, 1], [8.7, 9.0, 1]),  # 9 lands in the last bucket
    (np.full((2, 2), 1.5), [1.5, 1.5, 0], [1.5, 1.5, 4]),  # one value: all in the last bucket
    (np.zeros((0,)), [0, 0, 0], [0, 0, 0]),  # empty: zeros
])
def test_histogram_buckets(data, first, last):
    buckets = event_file.histogram_buckets(data)
    assert buckets.shape == (30, 3) and buckets.dtype == np.float64
    np.testing.assert_allclose(buckets[0], first, atol=1e-12)
    np.testing.assert_allclose(buckets[-1], last, atol=1e-12)
    assert buckets[:, 2].sum() == data.size


def test_non_scalar_log_is_an_error():
    with pytest.raises(ValueError, match="Expected scalar shape for summary `m`"):
        event_file.scalar_value("m", [1.0, 2.0])


# --- the callback in fit ----------------------------------------------------------------------
X = np.linspace(-1, 1, 24, dtype="float32").reshape(12, 2)
Y = (X[:, :1] > 0).astype("float32")


def make_model(kind="functional"):
    dense = keras.layers.Dense(1, activation="sigmoid", kernel_initializer="ones", name="out")
    if kind == "sequential":
        model = keras.Sequential([keras.Input((2,)), dense])
    else:
        inputs = keras.Input((2,))
        model = keras.Model(inputs, dense(inputs))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


class BatchLogs(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        self.seen = getattr(self, "seen", []) + [dict(logs)]


def run_fit(log_dir, epochs=3, kind="functional", **kwargs):
    model, batches = make_model(kind), BatchLogs()
    history = model.fit(X, Y, batch_size=4, epochs=epochs, validation_data=(X[:6], Y[:6]),
                        shuffle=False, verbose=0,
                        callbacks=[batches, TensorBoard(log_dir, **kwargs)])
    return model, history.history, batches.seen


def steps(run, tag):
    return [s for s, _ in run[tag]]


def values(run, tag):
    return [v for _, v in run[tag]]


@pytest.mark.parametrize("kind", ["functional", "sequential"])
def test_epoch_logs_in_fit(tmp_path, kind):
    model, history, _ = run_fit(tmp_path, kind=kind)
    train, val = read_run(tmp_path / "train"), read_run(tmp_path / "validation")
    assert sorted(os.listdir(tmp_path)) == ["train", "validation"]
    assert set(train) == {"keras", "epoch_loss", "epoch_accuracy", "epoch_learning_rate"}
    assert train["keras"] == [(0, model.to_json())]
    assert json.loads(train["keras"][0][1])["class_name"] == type(model).__name__
    assert steps(train, "epoch_loss") == [0, 1, 2]
    np.testing.assert_array_equal(values(train, "epoch_loss"), np.float32(history["loss"]))
    assert values(train, "epoch_learning_rate") == [float(np.float32(0.1))] * 3
    assert set(val) == {"epoch_loss", "epoch_accuracy", "evaluation_loss_vs_iterations",
                        "evaluation_accuracy_vs_iterations"}
    np.testing.assert_array_equal(values(val, "epoch_loss"), np.float32(history["val_loss"]))
    assert steps(val, "evaluation_loss_vs_iterations") == [3, 6, 9]  # optimizer.iterations
    assert values(val, "evaluation_loss_vs_iterations") == values(val, "epoch_loss")


@pytest.mark.parametrize("update_freq,batch_steps,epoch_steps", [
    ("batch", [1, 2, 3, 4, 5, 6, 7, 8, 9], [0, 1, 2]),
    (1, [1, 2, 3, 4, 5, 6, 7, 8, 9], [0, 1, 2]),
    # Keras's quirk: epoch summaries only where the epoch's last batch count divides by 2.
    (2, [2, 4, 6, 8], [1]),
    (3, [3, 6, 9], [0, 1, 2]),
])
def test_batch_level_logs(tmp_path, update_freq, batch_steps, epoch_steps):
    _, history, seen = run_fit(tmp_path, update_freq=update_freq)
    train, val = read_run(tmp_path / "train"), read_run(tmp_path / "validation")
    assert steps(train, "batch_loss") == batch_steps
    assert values(train, "batch_loss") == [float(np.float32(seen[s - 1]["loss"]))
                                           for s in batch_steps]
    assert steps(train, "epoch_loss") == epoch_steps == steps(val, "epoch_loss")
    # evaluation summaries follow the validation batch count (2 per evaluation, 3 train steps)
    every = 1 if update_freq == "batch" else update_freq
    expected = [3 * k for k in (1, 2, 3) if 2 * k % every == 0]
    assert steps(val, "evaluation_loss_vs_iterations") == expected
    assert not any(t.startswith("batch_") for t in val)


def test_integer_update_freq_opens_files_when_training_and_evaluation_begin(tmp_path):
    run_fit(tmp_path, epochs=1, update_freq=4, write_graph=False)  # 3 batches, 2 val batches
    assert read_run(tmp_path / "train") == {} and read_run(tmp_path / "validation") == {}


def test_epoch_mode_writes_no_batch_logs(tmp_path):
    run_fit(tmp_path, epochs=1)
    assert not any(t.startswith("batch_") for t in read_run(tmp_path / "train"))


def test_histograms(tmp_path):
    model, _, _ = run_fit(tmp_path, histogram_freq=2)
    train = read_run(tmp_path / "train")
    assert steps(train, "out/kernel/histogram") == [0, 2] == steps(train, "out/bias/histogram")
    (_, buckets) = train["out/kernel/histogram"][-1]
    np.testing.assert_array_equal(buckets, event_file.histogram_buckets(model.layers[-1].kernel))
    assert buckets.shape == (30, 3) and buckets[:, 2].sum() == 2


def test_steps_per_second(tmp_path):
    run_fit(tmp_path, epochs=2, write_steps_per_second=True, update_freq=1)
    train = read_run(tmp_path / "train")
    assert steps(train, "epoch_steps_per_second") == [0, 1]
    assert steps(train, "batch_steps_per_second") == list(range(1, 7))
    rates = values(train, "epoch_steps_per_second") + values(train, "batch_steps_per_second")
    assert min(rates) > 0


def test_write_graph_false_and_subclassed_models(tmp_path):
    run_fit(tmp_path / "a", epochs=1, write_graph=False)
    assert "keras" not in read_run(tmp_path / "a" / "train")

    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, x):
            return self.dense(x)

    model = Sub()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X, Y, epochs=1, verbose=0, callbacks=[TensorBoard(tmp_path / "b")])
    train = read_run(tmp_path / "b" / "train")
    assert "keras" not in train and steps(train, "epoch_loss") == [0]
    assert not (tmp_path / "b" / "validation").exists()


def test_each_fit_and_evaluate_starts_new_files(tmp_path):
    model, callback = make_model(), TensorBoard(tmp_path)
    model.fit(X, Y, batch_size=4, epochs=1, verbose=0, callbacks=[callback])
    model.fit(X, Y, batch_size=4, epochs=1, verbose=0, callbacks=[callback])
    assert len(os.listdir(tmp_path / "train")) == 2
    loss = model.evaluate(X, Y, batch_size=4, verbose=0, callbacks=[callback])[0]
    assert len(os.listdir(tmp_path / "train")) == 3  # the model config again, as in Keras
    assert read_run(tmp_path / "validation")["evaluation_loss_vs_iterations"] == [
        (6, float(np.float32(loss)))]


# --- arguments and errors ---------------------------------------------------------------------
def test_defaults_and_arguments():
    callback = TensorBoard()
    assert (callback.log_dir, callback.histogram_freq, callback.write_graph,
            callback.write_images, callback.write_steps_per_second, callback.update_freq,
            callback.embeddings_freq, callback.embeddings_metadata) == (
        "logs", 0, True, False, False, "epoch", 0, None)
    assert TensorBoard(update_freq="batch").update_freq == 1
    assert (TensorBoard(profile_batch=(2, 4))._start_batch, TensorBoard(profile_batch="2,4")
            ._stop_batch) == (2, 4)
    TensorBoard(write_images=True, embeddings_freq=1, embeddings_metadata={"emb": "m.tsv"},
                profile_batch=3)  # accepted, ignored


@pytest.mark.parametrize("kwargs,message", [
    ({"profile_batch": -1}, "profile_batch must be a non-negative integer"),
    ({"profile_batch": (5, 2)}, "Found: \\(5, 2\\)"),
    ({"profile_batch": (1, 2, 3)}, "2-tuple of positive integers"),
    ({"profile_batch": "5"}, "Found: 5"),  # Keras's legacy string needs "start,stop"
    ({"update_freq": "step"}, "Received: update_freq=step"),
    ({"update_freq": 0}, "Received: update_freq=0"),
])
def test_invalid_arguments_leave_nothing(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        TensorBoard(tmp_path / "logs", **kwargs)
    assert os.listdir(tmp_path) == []


def test_no_litter_when_fit_fails_early(tmp_path):
    model = make_model()
    with pytest.raises(ValueError):
        model.fit(X, Y[:5], verbose=0, callbacks=[TensorBoard(tmp_path / "logs")])
    assert os.listdir(tmp_path) == []


def test_a_bad_log_value_leaves_the_file_readable(tmp_path):
    class BadLogs(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                logs["bad"] = [1.0, 2.0]

    model = make_model()
    with pytest.raises(ValueError, match="Expected scalar shape"):
        model.fit(X, Y, epochs=3, verbose=0,
                  callbacks=[BadLogs(), TensorBoard(tmp_path, write_graph=False)])
    train = read_run(tmp_path / "train")  # CRCs check: no partial record was written
    assert steps(train, "epoch_loss") == [0] and "epoch_bad" not in train
