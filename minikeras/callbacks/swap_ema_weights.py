"""`SwapEMAWeights`, the callback that evaluates (and optionally checkpoints) with the
optimizer's moving averages of the weights (Keras's `callbacks/swap_ema_weights.py`)."""
from minikeras.callbacks.callback import Callback


class SwapEMAWeights(Callback):
    """Puts the optimizer's EMA weights (`use_ema=True`) into the model for evaluation and
    prediction, and the trained weights back afterwards.

    The swap is in place: each trainable variable exchanges its value with its moving average.
    With `swap_on_epoch=True` the EMA weights are also in the model from each epoch's end to the
    next epoch's start, so a later callback (`ModelCheckpoint`) sees them; after the last epoch
    the averages are set to the swapped-in values, so `fit`'s final overwrite with the averages
    leaves the EMA weights in the model.

    Args:
        swap_on_epoch: also swap at `on_epoch_end` / `on_epoch_begin`. Defaults to False.
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _ema_optimizers(self):
        """The optimizers (inside a LossScaleOptimizer or a multi-optimizer) that keep EMAs."""
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if hasattr(optimizer, "optimizers"):
            chosen = [opt for opt in optimizer.optimizers if getattr(opt, "use_ema", False)]
            if not chosen:
                raise ValueError("SwapEMAWeights must be used when at least one inner optimizer "
                                 "has `use_ema=True` set. Received a MultiOptimizer with all "
                                 "inner optimizers having `use_ema=False`.")
        else:
            chosen = [optimizer]
        for opt in chosen:
            if not hasattr(opt, "_model_variables_moving_average"):
                raise ValueError("SwapEMAWeights must be used when `use_ema=True` is set on the "
                                 f"optimizer. Received: use_ema={opt.use_ema}")
        return chosen

    def _swap_variables(self):
        for opt in self._ema_optimizers():
            for var, average in zip(opt._trainable_variables, opt._model_variables_moving_average):
                trained = var.numpy()
                var.assign(average)
                average.assign(trained)

    def _finalize_ema_values(self):
        for opt in self._ema_optimizers():
            for var, average in zip(opt._trainable_variables, opt._model_variables_moving_average):
                average.assign(var)

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch and self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True
            # fit ends by writing the averages into the weights: make them the EMA values the
            # model now holds (the averages hold the trained weights after the swap).
            if epoch == self.params["epochs"] - 1:
                self._finalize_ema_values()

    def on_test_begin(self, logs=None):
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def on_test_end(self, logs=None):
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_predict_begin(self, logs=None):
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def on_predict_end(self, logs=None):
        # Keras tests `not self._ema_weights_in_model` here, so after `predict` the EMA weights
        # stay in the model; kept as Keras does it.
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False
