"""ModelCheckpoint and BackupAndRestore: file names, best-only saving, batch frequencies, and a
fit that resumes after an interruption exactly where it stopped."""
import json
import os

import numpy as np
import pytest

import minikeras as keras
from minikeras import callbacks as cb
from minikeras import layers

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 4)).astype("float32")
Y = (X @ RNG.normal(size=(4, 1))).astype("float32")


def _model(seed=3, dropout=0.0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"),
                              layers.BatchNormalization(), layers.Dropout(dropout),
                              layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.01), "mse", metrics=["mae"])
    return model


class RecordingModel:
    """The part of a model ModelCheckpoint uses: records the paths it saves to."""

    def __init__(self):
        self.saved, self.metrics = [], []

    def save(self, filepath, overwrite=True):
        self.saved.append(("model", filepath))

    def save_weights(self, filepath, overwrite=True):
        self.saved.append(("weights", filepath))


def _drive(callback, values, key="val_loss"):
    model = RecordingModel()
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, value in enumerate(values):
        callback.on_epoch_begin(epoch)
        callback.on_epoch_end(epoch, {key: value, "loss": 1.0})
    return [path for _, path in model.saved]


# --- ModelCheckpoint ---------------------------------------------------------------------------
def test_filepath_formatting_from_fit(tmp_path):
    pattern = str(tmp_path / "ckpt" / "{epoch:02d}-{val_loss:.2f}.keras")
    model = _model()
    history = model.fit(X, Y, epochs=3, batch_size=8, validation_data=(X[:8], Y[:8]),
                        shuffle=False, verbose=0, callbacks=[cb.ModelCheckpoint(pattern)])
    expected = {f"{e + 1:02d}-{v:.2f}.keras" for e, v in enumerate(history.history["val_loss"])}
    assert set(os.listdir(tmp_path / "ckpt")) == expected
    last = f"03-{history.history['val_loss'][-1]:.2f}.keras"
    loaded = keras.models.load_model(tmp_path / "ckpt" / last)
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


def test_filepath_with_unknown_key_raises_key_error(tmp_path):
    callback = cb.ModelCheckpoint(str(tmp_path / "{epoch}-{val_acc}.keras"))
    with pytest.raises(KeyError, match="Failed to format this callback filepath"):
        _drive(callback, [1.0])


@pytest.mark.parametrize("mode, values, saved_epochs", [
    ("min", [3.0, 2.0, 2.5, 1.0], [1, 2, 4]),
    ("max", [3.0, 2.0, 3.5, 1.0], [1, 3]),
    ("auto", [3.0, 2.0, 2.5, 1.0], [1, 2, 4]),  # val_loss: minimized
])
def test_save_best_only_modes(tmp_path, mode, values, saved_epochs):
    callback = cb.ModelCheckpoint(str(tmp_path / "m{epoch}.keras"), save_best_only=True,
                                  mode=mode)
    paths = _drive(callback, values)
    assert paths == [str(tmp_path / f"m{e}.keras") for e in saved_epochs]


def test_save_best_only_auto_max_for_accuracy_and_initial_threshold(tmp_path):
    callback = cb.ModelCheckpoint(str(tmp_path / "m{epoch}.keras"), monitor="val_accuracy",
                                  save_best_only=True, mode="max", initial_value_threshold=0.5)
    paths = _drive(callback, [0.4, 0.6, 0.55, 0.7], key="val_accuracy")
    assert paths == [str(tmp_path / "m2.keras"), str(tmp_path / "m4.keras")]


def test_save_best_only_with_missing_monitor_warns_and_saves(tmp_path):
    callback = cb.ModelCheckpoint(str(tmp_path / "m.keras"), monitor="val_auc",
                                  save_best_only=True, mode="max")
    with pytest.warns(UserWarning, match="Can save best model only with val_auc available"):
        assert _drive(callback, [1.0]) == [str(tmp_path / "m.keras")]


def test_save_best_only_in_fit_overwrites_one_file(tmp_path):
    path = tmp_path / "best.weights.h5"
    model = _model()
    history = model.fit(X, Y, epochs=4, batch_size=8, validation_data=(X[:8], Y[:8]),
                        shuffle=False, verbose=0, callbacks=[
                            cb.ModelCheckpoint(str(path), save_best_only=True,
                                               save_weights_only=True)])
    assert os.listdir(tmp_path) == ["best.weights.h5"]
    best = int(np.argmin(history.history["val_loss"]))
    fresh = _model(seed=9)
    fresh.load_weights(path)
    # The file holds the weights of the best epoch: re-run training to that epoch to compare.
    ref = _model()
    ref.fit(X, Y, epochs=best + 1, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(fresh.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_save_weights_only_writes_a_weights_file(tmp_path):
    model = _model()
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0, callbacks=[
        cb.ModelCheckpoint(str(tmp_path / "w{epoch}.weights.h5"), monitor="loss",
                           save_weights_only=True)])
    assert sorted(os.listdir(tmp_path)) == ["w1.weights.h5", "w2.weights.h5"]
    other = _model(seed=5)
    other.load_weights(tmp_path / "w2.weights.h5")
    np.testing.assert_array_equal(other.predict(X, verbose=0), model.predict(X, verbose=0))


def test_legacy_h5_checkpoint(tmp_path):
    model = _model()
    model.fit(X, Y, epochs=1, batch_size=8, verbose=0,
              callbacks=[cb.ModelCheckpoint(str(tmp_path / "m.h5"), monitor="loss")])
    loaded = keras.models.load_model(tmp_path / "m.h5")
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


def test_integer_save_freq_counts_batches_across_epochs(tmp_path):
    # 40 samples / batch 8 = 5 batches an epoch; every 3 batches over 2 epochs: 3, 6, 9.
    pattern = str(tmp_path / "e{epoch}-b{batch}.weights.h5")
    model = _model()
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0, callbacks=[
        cb.ModelCheckpoint(pattern, monitor="loss", save_weights_only=True, save_freq=3)])
    assert sorted(os.listdir(tmp_path)) == ["e1-b3.weights.h5", "e2-b1.weights.h5",
                                            "e2-b4.weights.h5"]


def test_suffix_and_argument_errors(tmp_path):
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        cb.ModelCheckpoint(str(tmp_path / "m.keras"), save_weights_only=True)
    with pytest.raises(ValueError, match=r"must end in `\.keras`"):
        cb.ModelCheckpoint(str(tmp_path / "m.weights"))
    with pytest.raises(ValueError, match="Unrecognized save_freq"):
        cb.ModelCheckpoint(str(tmp_path / "m.keras"), save_freq="batch")
    assert cb.ModelCheckpoint(tmp_path / "m.h5").filepath.endswith("m.h5")  # PathLike


def test_directory_filepath_is_an_error(tmp_path):
    (tmp_path / "d.keras").mkdir()
    with pytest.raises(IOError, match="non-directory filepath"):
        _drive(cb.ModelCheckpoint(str(tmp_path / "d.keras")), [1.0])


# --- BackupAndRestore --------------------------------------------------------------------------
class InterruptAt(cb.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("Interrupting!")


def _assert_same_state(a, b):
    for x, y in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(x, y)
    for x, y in zip(a.optimizer.variables, b.optimizer.variables):
        np.testing.assert_array_equal(x.numpy(), y.numpy())


def test_resume_in_a_new_process_equals_uninterrupted_fit(tmp_path):
    backup = str(tmp_path / "backup")
    reference = _model()
    reference.fit(X, Y, epochs=5, batch_size=8, shuffle=False, verbose=0)
    first = _model()
    with pytest.raises(RuntimeError, match="Interrupting"):
        first.fit(X, Y, epochs=5, batch_size=8, shuffle=False, verbose=0,
                  callbacks=[cb.BackupAndRestore(backup), InterruptAt(3)])
    with open(os.path.join(backup, "training_metadata.json")) as f:
        assert json.load(f)["epoch"] == 3
    resumed = _model()  # a fresh model, as a restarted job builds it
    history = resumed.fit(X, Y, epochs=5, batch_size=8, shuffle=False, verbose=0,
                          callbacks=[cb.BackupAndRestore(backup)])
    assert history.epoch == [3, 4]
    _assert_same_state(resumed, reference)
    assert not os.path.exists(backup)  # delete_checkpoint=True after a finished fit


def test_resume_same_model_with_shuffle_and_dropout_is_bit_identical(tmp_path):
    backup = str(tmp_path / "backup")
    reference = _model(dropout=0.3)
    reference.fit(X, Y, epochs=4, batch_size=8, verbose=0)
    model = _model(dropout=0.3)
    with pytest.raises(RuntimeError):
        model.fit(X, Y, epochs=4, batch_size=8, verbose=0,
                  callbacks=[cb.BackupAndRestore(backup), InterruptAt(2)])
    model.fit(X, Y, epochs=4, batch_size=8, verbose=0, callbacks=[cb.BackupAndRestore(backup)])
    _assert_same_state(model, reference)


def test_initial_epoch_is_used_only_once(tmp_path):
    backup = str(tmp_path / "backup")
    model = _model()
    with pytest.raises(RuntimeError):
        model.fit(X, Y, epochs=3, verbose=0, callbacks=[cb.BackupAndRestore(backup),
                                                        InterruptAt(1)])
    model.fit(X, Y, epochs=3, verbose=0, callbacks=[cb.BackupAndRestore(backup)])
    assert model.fit(X, Y, epochs=2, verbose=0).epoch == [0, 1]


def test_batch_save_freq_and_keep_checkpoint(tmp_path):
    backup = tmp_path / "backup"
    model = _model()
    seen = []

    class Watch(cb.Callback):
        def on_train_batch_end(self, batch, logs=None):
            path = backup / "training_metadata.json"
            seen.append(json.loads(path.read_text()) if path.exists() else None)
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0, callbacks=[
        cb.BackupAndRestore(str(backup), save_freq=4, delete_checkpoint=False), Watch()])
    assert seen[:3] == [None] * 3 and seen[3] == {"epoch": 0, "batch": 3}
    assert seen[-1] == {"epoch": 1, "batch": 2}  # 8 batches: saved at 4 and 8
    assert sorted(os.listdir(backup)) == ["latest.weights.h5", "training_metadata.json"]
    # A later fit restores this state and resumes at the epoch it was in (Keras semantics).
    history = _model().fit(X, Y, epochs=2, batch_size=8, verbose=0,
                           callbacks=[cb.BackupAndRestore(str(backup))])
    assert history.epoch == [1]


def test_double_checkpoint_falls_back_to_previous_backup(tmp_path):
    backup = tmp_path / "backup"
    model = _model()
    model.fit(X, Y, epochs=2, verbose=0, callbacks=[
        cb.BackupAndRestore(str(backup), double_checkpoint=True, delete_checkpoint=False)])
    assert (backup / "latest.weights.h5.bkp").exists()
    (backup / "latest.weights.h5").write_bytes(b"corrupted")
    history = _model().fit(X, Y, epochs=3, verbose=0,
                           callbacks=[cb.BackupAndRestore(str(backup))])
    assert history.epoch == [1, 2]  # the previous backup was taken after epoch 1


def test_backup_arguments_and_bad_metadata(tmp_path):
    with pytest.raises(ValueError, match="Empty `backup_dir`"):
        cb.BackupAndRestore("")
    with pytest.raises(ValueError, match="Invalid value for argument `save_freq`"):
        cb.BackupAndRestore(str(tmp_path), save_freq="batch")
    (tmp_path / "training_metadata.json").write_text('{"epoch": "__import__"}')
    with pytest.raises(ValueError, match="Invalid training metadata"):
        _model().fit(X, Y, epochs=1, verbose=0, callbacks=[cb.BackupAndRestore(str(tmp_path))])
