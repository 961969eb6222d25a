"""SwapEMAWeights against real Keras 3: the same model, data and SGD(use_ema=True) give the same
weights after `fit`, the same validation metrics (computed with the EMA weights) and the same
`evaluate` afterwards, with and without `swap_on_epoch`."""
import numpy as np
import pytest

import minikeras


def _data():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(12, 3)).astype("float32")
    y = rng.normal(size=(12, 2)).astype("float32")
    return x, y


def _run(k, swap, swap_on_epoch, epochs=3):
    x, y = _data()
    kernel = np.arange(6, dtype="float32").reshape(3, 2) / 10
    model = k.Sequential([k.Input((3,)), k.layers.Dense(2, use_bias=True)])
    model.layers[-1].set_weights([kernel, np.full((2,), 0.5, "float32")])
    model.compile(optimizer=k.optimizers.SGD(0.1, momentum=0.5, use_ema=True, ema_momentum=0.6),
                  loss="mse", metrics=[k.metrics.MeanAbsoluteError()])
    seen = []

    class Record(k.callbacks.Callback):  # the weights a callback after SwapEMAWeights sees
        def on_epoch_end(self, epoch, logs=None):
            seen.append(self.model.layers[-1].get_weights()[0])

    callbacks = ([k.callbacks.SwapEMAWeights(swap_on_epoch=swap_on_epoch)] if swap else []) + [Record()]
    history = model.fit(x, y, batch_size=4, epochs=epochs, shuffle=False, verbose=0,
                        validation_data=(x, y), callbacks=callbacks)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    return model.get_weights(), history.history, logs, seen


@pytest.mark.parametrize("swap,swap_on_epoch", [(False, False), (True, False), (True, True)])
def test_swap_ema_weights_matches_keras(keras, swap, swap_on_epoch):
    ours = _run(minikeras, swap, swap_on_epoch)
    theirs = _run(keras, swap, swap_on_epoch)
    for a, b in zip(ours[0], theirs[0]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert set(ours[1]) == set(theirs[1])
    for key in theirs[1]:
        np.testing.assert_allclose(ours[1][key], theirs[1][key], rtol=1e-5, atol=1e-6, err_msg=key)
    for key in theirs[2]:
        np.testing.assert_allclose(ours[2][key], theirs[2][key], rtol=1e-5, atol=1e-6, err_msg=key)
    for a, b in zip(ours[3], theirs[3]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_swap_ema_weights_changes_validation(keras):
    """The check above is not vacuous: with the callback, validation sees other weights."""
    plain, swapped = _run(minikeras, False, False), _run(minikeras, True, False)
    assert not np.allclose(plain[1]["val_loss"], swapped[1]["val_loss"])
