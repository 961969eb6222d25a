"""The `Optimizer` base class: Keras 3's BaseOptimizer, updating variables in plain numpy.

One step, `apply(grads, variables)`, in Keras's order:
  1. drop `None` gradients (with a warning), overwrite `overwrite_with_gradient` variables;
  2. unscale: `g / loss_scale_factor`;
  3. (gradient accumulation: add to the accumulators; update only every N-th step, with the mean)
  4. clip: `clipnorm` per variable, else `global_clipnorm`, else `clipvalue`;
  5. decoupled weight decay: `w <- w - w * weight_decay * lr`;
  6. `update_step(g, w, lr)` for each variable (the subclass's formula); a built-in optimizer's
     also takes the scalars all variables share, computed once per step (`uses_step_constants`);
  7. EMA of the weights (`use_ema`), then each variable's `constraint`, then `iterations += 1`.
Everything runs outside autograd, in the variables' dtype (float32), in one write style: the
optimizer's own slot variables (moments, accumulators, averages) are updated in place, and a
trained variable adopts its freshly computed new array without a copy (`Variable._adopt`); a
value someone else may hold (a gradient, a user's array, a slot copied into a weight) is copied
with `assign`.
"""
import functools
import re
import warnings

import numpy as onp

from minikeras.engine import config
from minikeras.engine.variable import Variable
from minikeras.layers.layer import to_snake_case, uniquify
from minikeras.optimizers import schedules as _schedules


# The base arguments every built-in optimizer spells out after its own, in Keras's order, so that
# they may be passed by position as in Keras (`Adam(1e-3, 0.9, 0.999, 1e-7, False, 0.004)`).
BASE_ARGUMENTS = ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "use_ema",
                  "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
                  "gradient_accumulation_steps", "name")


def base_arguments(values):
    """The `BASE_ARGUMENTS` out of a constructor's `locals()`, to pass on to `Optimizer`."""
    return {name: values[name] for name in BASE_ARGUMENTS if name in values}


def scratch(temporary):
    """`temporary` as the `out=` of the next ufunc, reusing its memory; None (a new result) when it
    is a numpy scalar, which is what ufuncs return for a 0-d (scalar) variable."""
    return temporary if type(temporary) is onp.ndarray else None


def uses_step_constants(update_step):
    """Decorates an `update_step(gradient, variable, learning_rate, **constants)` whose extra
    keyword arguments are the scalars every variable's update shares in a step (bias
    corrections, decay rates), returned by the optimizer's `_step_constants(learning_rate)`.

    `fit` computes them once per step and calls the formula (`.formula`) with them. Called as
    Keras calls it, with three arguments (a subclass's `super().update_step(gradient, variable,
    learning_rate)`), it computes them itself.
    """
    @functools.wraps(update_step)
    def update_step_with_constants(self, gradient, variable, learning_rate, **constants):
        if not constants:
            learning_rate = onp.asarray(learning_rate, dtype=config.floatx())
            constants = self._step_constants(learning_rate)
        update_step(self, gradient, variable, learning_rate, **constants)

    update_step_with_constants.formula = update_step
    return update_step_with_constants


class Optimizer:
    """Base class: subclasses write `build` (slot variables) and `update_step`.

    `update_step(gradient, variable, learning_rate)` updates one variable. A subclass whose
    variables share per-step scalars computes them in `_step_constants(learning_rate)` and takes
    them as keyword arguments of an `update_step` decorated with `uses_step_constants`.
    Hyperparameters named in `_config_keys` join the base config in `get_config`.

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable taking no arguments.
        weight_decay: decoupled weight decay rate, or None.
        clipnorm / clipvalue / global_clipnorm: gradient clipping (at most one of them).
        use_ema, ema_momentum, ema_overwrite_frequency: exponential moving average of weights.
        loss_scale_factor: the loss is multiplied by it and the gradients divided by it.
        gradient_accumulation_steps: update every N steps with the mean gradient.
        name: defaults to the snake_case class name, numbered ("adam", "adam_1", ...).
    """

    _keras_module = "optimizers"
    _config_keys = ()

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        self._lock = False
        self._variables = []
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.")
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        self.name = name or uniquify(to_snake_case(type(self).__name__))
        self.weight_decay, self.clipnorm = weight_decay, clipnorm
        self.global_clipnorm, self.clipvalue = global_clipnorm, clipvalue
        self.use_ema, self.loss_scale_factor = use_ema, loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        if gradient_accumulation_steps and not gradient_accumulation_steps >= 2:
            raise ValueError(
                "`gradient_accumulation_steps` must be an integer >= 2. "
                f"Received: gradient_accumulation_steps={gradient_accumulation_steps}")
        if use_ema:
            if ema_momentum > 1 or ema_momentum < 0:
                raise ValueError("`ema_momentum` must be in the range [0, 1]. "
                                 f"Received: ema_momentum={ema_momentum}")
            if ema_overwrite_frequency and (not isinstance(ema_overwrite_frequency, int)
                                            or ema_overwrite_frequency < 1):
                raise ValueError(
                    "`ema_overwrite_frequency` must be an integer >= 1 or None. "
                    f"Received: ema_overwrite_frequency={ema_overwrite_frequency}")
        self.ema_momentum, self.ema_overwrite_frequency = ema_momentum, ema_overwrite_frequency
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}")
        self.built = False
        self._trainable_variables = []
        self._trainable_variables_indices = {}
        self._overwrite_ids = set()
        self._dtypes = {}  # id(variable) -> numpy dtype, filled by build
        self._iterations = Variable(0, dtype="int64", trainable=False, name="iteration",
                                    path=f"{self.name}/iteration")
        if isinstance(learning_rate, _schedules.LearningRateSchedule) or callable(learning_rate):
            self._learning_rate = learning_rate
        else:
            if not isinstance(learning_rate, float):
                raise ValueError(
                    "Argument `learning_rate` should be float, or an instance of "
                    "LearningRateSchedule, or a callable (that takes in the current iteration "
                    "value and returns the corresponding learning rate value). "
                    f"Received instead: learning_rate={learning_rate}")
            self._learning_rate = self._lr_variable(learning_rate)

    def __setattr__(self, name, value):
        if name != "_lock" and "_lock" not in self.__dict__:
            raise RuntimeError(
                f"In optimizer '{type(self).__name__}', you forgot to call `super().__init__()` "
                "as the first statement in the `__init__()` method. Go add it!")
        if isinstance(value, Variable):  # like Keras, a Variable attribute is tracked
            self._track_variable(value)
        object.__setattr__(self, name, value)

    def _track_variable(self, variable):
        if not any(v is variable for v in self._variables):
            self._variables.append(variable)

    def _untrack_variable(self, variable):
        self._variables = [v for v in self._variables if v is not variable]

    def _lr_variable(self, value):
        return Variable(value, dtype=config.floatx(), trainable=False, name="learning_rate",
                        path=f"{self.name}/learning_rate")

    # --- state ----------------------------------------------------------------------------
    @property
    def iterations(self):
        """The step counter (int64 Variable); with gradient accumulation, optimizer steps."""
        if self.gradient_accumulation_steps:
            return self._iterations.value // self.gradient_accumulation_steps
        return self._iterations

    @property
    def variables(self):
        """iteration, learning_rate (unless a schedule), then the slots in creation order."""
        return self._variables[:]

    @property
    def learning_rate(self):
        return self._get_current_learning_rate()

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        prev = self._learning_rate if isinstance(self._learning_rate, Variable) else None
        if isinstance(learning_rate, _schedules.LearningRateSchedule) or callable(learning_rate):
            self._learning_rate = learning_rate
        elif isinstance(self._learning_rate, _schedules.LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not settable. "
                "If you need the learning rate to be settable, you should instantiate the "
                "optimizer with a float `learning_rate` argument.")
        elif prev is None:  # was a plain callable: store a variable again
            self._learning_rate = self._lr_variable(float(onp.asarray(learning_rate)))
        else:
            prev.assign(learning_rate)
        if prev is not None and self._learning_rate is not prev:
            self._untrack_variable(prev)

    def _get_current_learning_rate(self):
        lr = self._learning_rate
        if isinstance(lr, _schedules.LearningRateSchedule):
            return lr(self._iterations)
        if isinstance(lr, Variable):
            return lr
        return lr() if callable(lr) else lr

    # --- building -------------------------------------------------------------------------
    def build(self, variables):
        """Record the variables (and create EMA / accumulator slots); subclasses add theirs."""
        if self.use_ema:
            self._model_variables_moving_average = self.add_optimizer_variables(
                variables, "average")
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = []
        for i, variable in enumerate(variables):
            self._trainable_variables_indices[id(variable)] = i
            if self.gradient_accumulation_steps:
                self._accumulated_gradients.append(
                    self.add_variable_from_reference(variable, name="gradient_accumulator"))
        self._trainable_variables = list(variables)
        self._overwrite_ids = {id(v) for v in variables
                               if getattr(v, "overwrite_with_gradient", False)}
        self._dtypes = {id(v): onp.dtype(v.dtype) for v in variables}
        self.built = True

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none",
                     layout=None, name=None):
        """A non-trainable optimizer variable named `{optimizer.name}/{name}`."""
        dtype = dtype or config.floatx()
        shape = tuple(shape)
        variable = Variable(_initial_value(initializer, shape, dtype), shape=shape, dtype=dtype,
                            trainable=False, name=name, path=f"{self.name}/{name or 'variable'}",
                            aggregation=aggregation)
        self._track_variable(variable)
        return variable

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """A slot shaped like `reference_variable`, named `{path with _}_{name}`."""
        name = name or "var"
        ref = getattr(reference_variable, "path", None)
        if ref is None:
            ref = str(reference_variable.name).replace(":", "_")
        return self.add_variable(shape=reference_variable.shape, initializer=initializer,
                                 dtype=reference_variable.dtype,
                                 name=f"{ref.replace('/', '_')}_{name}")

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One slot per variable and name, interleaved per variable like Keras.

        Returns a list (one name) or a tuple of lists (several names); variables with
        `overwrite_with_gradient` get `None`.
        """
        names = [name] if isinstance(name, str) else list(name)
        inits = (initializer if isinstance(initializer, (list, tuple))
                 else [initializer] * len(names))
        if len(names) != len(inits):
            raise ValueError(
                "The number of provided names must match the number of provided initializers. "
                f" Received name='{name}', initializer='{initializer}'")
        slots = tuple([] for _ in names)
        for variable in trainable_variables:
            skip = getattr(variable, "overwrite_with_gradient", False)
            for lst, n, init in zip(slots, names, inits):
                lst.append(None if skip else
                           self.add_variable_from_reference(variable, name=n, initializer=init))
        return slots[0] if isinstance(name, str) else slots

    def _get_variable_index(self, variable):
        return self._trainable_variables_indices[id(variable)]

    def _var_key(self, variable):
        return id(variable)

    # --- writing --------------------------------------------------------------------------
    def assign(self, variable, value):
        variable.assign(value)

    def assign_add(self, variable, value):
        variable.assign_add(value)

    def assign_sub(self, variable, value):
        variable.assign_sub(value)

    def update_step(self, gradient, variable, learning_rate):
        raise NotImplementedError

    # --- a step ---------------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars):
        """`apply` on (gradient, variable) pairs; returns `iterations` like tf.keras."""
        grads, trainable_variables = zip(*grads_and_vars)
        self.apply(grads, trainable_variables)
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Update the variables with the gradients (building the optimizer on first use)."""
        if len(grads) == 0:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be "
                    "built on a list of variables. Call `optimizer.build(trainable_variables)` "
                    "first. ")
            if len(grads) != len(self._trainable_variables_indices):
                raise ValueError(
                    "When passing `grads` as a list of gradient tensors, the gradients must "
                    f"match `optimizer.variables` one-to-on. Received a list of {len(grads)} "
                    f"gradients, but the optimizer is tracking "
                    f"{len(self._trainable_variables)} trainable variables.")
            trainable_variables = self._trainable_variables
        else:
            trainable_variables = list(trainable_variables)
            if not self.built:
                self.build(trainable_variables)
                self.built = True
            self._check_variables_are_known(trainable_variables)
        grads, trainable_variables = _filter_empty_gradients(grads, trainable_variables)
        if self._overwrite_ids:
            grads, trainable_variables = self._overwrite_with_gradients(grads, trainable_variables)
        if grads:
            dtypes = self._dtypes
            grads = [onp.asarray(g, dtype=dtypes.get(id(v))) for g, v in
                     zip(grads, trainable_variables)]
            if self.loss_scale_factor is not None:
                grads = [g / self.loss_scale_factor for g in grads]
            self._backend_apply_gradients(grads, trainable_variables)
            for variable in trainable_variables:
                if variable.constraint is not None:
                    variable.assign(variable.constraint(variable))
        self._iterations.assign(self._iterations.value + 1)

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        """`apply` on given values instead of the variables' own; returns the new values as
        `(trainable_values, optimizer_values)` and leaves every variable as it was."""
        if not self.built:
            raise ValueError(
                f"To call `stateless_apply`, {type(self).__name__} must be built (i.e. its "
                "variables must have been created). You can build it via "
                "`optimizer.build(trainable_variables)`.")
        own = self.variables
        if len(optimizer_variables) != len(own):
            raise ValueError(
                "Argument `optimizer_variables` must be a list of tensors corresponding 1:1 to "
                f"{type(self).__name__}().variables. Received list with length "
                f"{len(optimizer_variables)}, but expected {len(own)} variables.")
        if len(trainable_variables) != len(self._trainable_variables):
            raise ValueError(
                "Argument `optimizer_variables` must be a list of tensors corresponding 1:1 to "
                "the trainable variables list that the optimizer was built with. Received "
                f"len(trainable_variables) == {len(trainable_variables)} whereas the optimizer "
                f"was built with {len(self._trainable_variables)} variables.")
        variables = list(self._trainable_variables) + own
        saved = [v._value for v in variables]
        try:
            # the updates write slots in place: they get copies, never the caller's arrays
            for v, value in zip(variables, list(trainable_variables) + list(optimizer_variables)):
                v._value = onp.array(_plain_value(value), dtype=v._value.dtype)
            self.apply(grads)
            new_trainable = [v._value for v in self._trainable_variables]
            new_optimizer = [v._value for v in own]
        finally:
            for v, value in zip(variables, saved):
                v._value = value
        return new_trainable, new_optimizer

    def _check_variables_are_known(self, variables):
        known = self._trainable_variables_indices
        for v in variables:
            if id(v) not in known:
                raise ValueError(
                    f"Unknown variable: {v}. This optimizer can only be called for the "
                    "variables it was originally built with. When working with a new set of "
                    "variables, you should recreate a new optimizer instance.")

    def _backend_apply_gradients(self, grads, trainable_variables):
        steps = self.gradient_accumulation_steps
        if steps:
            accs = [self._accumulated_gradients[self._get_variable_index(v)]
                    for v in trainable_variables]
            if (int(self._iterations.value) + 1) % steps:
                for g, acc in zip(grads, accs):  # the accumulators are ours: in place
                    onp.add(acc.value, g, out=acc.value)
            else:
                grads = [(g + acc.value) / steps for g, acc in zip(grads, accs)]
                self._clip_apply_decay_update(grads, trainable_variables)
                for acc in accs:
                    acc.value.fill(0)
        else:
            self._clip_apply_decay_update(grads, trainable_variables)
        if self.use_ema:
            self._update_model_variables_moving_average(self._trainable_variables)
            freq = self.ema_overwrite_frequency
            if freq and (int(self.iterations) + 1) % freq == 0:
                self._overwrite_model_variables_with_average_value(self._trainable_variables)

    def _clip_apply_decay_update(self, grads, trainable_variables):
        grads = self._clip_gradients(grads)
        self._apply_weight_decay(trainable_variables)
        self._backend_update_step(grads, trainable_variables, self.learning_rate)

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        """`update_step` for each variable; a `uses_step_constants` formula gets the step's
        constants, computed once."""
        lr = onp.asarray(learning_rate, dtype=config.floatx())
        formula = getattr(self.update_step, "formula", None)
        if formula is None:
            for grad, variable in zip(grads, trainable_variables):
                self.update_step(grad, variable, lr)
        else:
            constants = self._step_constants(lr)
            for grad, variable in zip(grads, trainable_variables):
                formula(self, grad, variable, lr, **constants)

    def _step_constants(self, learning_rate):
        """Hook: the scalars every variable's `update_step` shares in this step, as a dict of its
        keyword arguments (see `uses_step_constants`); no side effects, it may run per variable."""
        return {}

    @staticmethod
    def _constants(learning_rate, **values):
        """`values` as 0-d arrays of the learning rate's dtype: the float32 constants Keras's
        weak Python scalars become, and much cheaper in numpy than Python floats."""
        return {name: onp.asarray(v, dtype=learning_rate.dtype) for name, v in values.items()}

    def _overwrite_with_gradients(self, grads, variables):
        """Variables marked `overwrite_with_gradient` take the gradient as their new value. With
        gradient accumulation they take, on the update step, the maximum of the gradients seen
        since the last one (float8 scales and amax histories are maxima, not means)."""
        kept_g, kept_v = [], []
        steps = self.gradient_accumulation_steps
        for g, v in zip(grads, variables):
            if id(v) in self._overwrite_ids:
                if not steps:
                    v.assign(g)
                    continue
                acc = self._accumulated_gradients[self._get_variable_index(v)]
                g = onp.asarray(g, dtype=acc.dtype)
                if (int(self._iterations.value) + 1) % steps == 0:
                    v.assign(onp.maximum(g, acc.value))
                    acc.assign(onp.zeros_like(g))
                else:
                    acc.assign(onp.maximum(g, acc.value))
            else:
                kept_g.append(g)
                kept_v.append(v)
        return kept_g, kept_v

    def scale_loss(self, loss):
        """`loss * loss_scale_factor` when a factor is set."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    # --- clipping and weight decay ----------------------------------------------------------
    def _clip_gradients(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            return [self._clip_by_norm(g) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            return clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue and self.clipvalue > 0:
            return [onp.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def _clip_by_norm(self, values):
        """`g * clipnorm / max(||g||, clipnorm)`."""
        l2norm = onp.sqrt(onp.sum(onp.square(values)))
        return values * self.clipnorm / onp.maximum(l2norm, self.clipnorm)

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Skip weight decay for these variables, or those whose name matches a `var_names`."""
        self._exclude_from_weight_decay = {id(v) for v in var_list or ()}
        self._exclude_from_weight_decay_pattern = (
            re.compile("|".join(set(var_names))) if var_names else None)
        self._exclude_from_weight_decay_cache = {}

    def _use_weight_decay(self, variable):
        cache = self.__dict__.setdefault("_exclude_from_weight_decay_cache", {})
        key = id(variable)
        if key not in cache:
            pattern = getattr(self, "_exclude_from_weight_decay_pattern", None)
            cache[key] = not (key in getattr(self, "_exclude_from_weight_decay", ()) or (
                pattern is not None and pattern.search(variable.name) is not None))
        return cache[key]

    def _apply_weight_decay(self, variables):
        """`w <- w - w * weight_decay * lr`, before the update step."""
        if self.weight_decay is None:
            return
        lr = onp.asarray(self.learning_rate, dtype=config.floatx())
        wd = onp.asarray(self.weight_decay, dtype=config.floatx())
        for variable in variables:
            if self._use_weight_decay(variable):
                w = variable.value
                variable._adopt(w - w * wd * lr)

    # --- EMA --------------------------------------------------------------------------------
    def _update_model_variables_moving_average(self, trainable_variables):
        """`average <- m * average + (1 - m) * w`, with m = 0 on the very first step."""
        m = onp.float32(self.ema_momentum if int(self.iterations) != 0 else 0.0)
        for var, average in zip(trainable_variables, self._model_variables_moving_average):
            if average is not None:  # the averages are ours: updated in place
                onp.add(m * average.value, (1 - m) * var.value, out=average.value)

    def _overwrite_model_variables_with_average_value(self, trainable_variables):
        if len(trainable_variables) != len(self._model_variables_moving_average):
            raise ValueError(
                f"The length of model variables ({len(trainable_variables)}) to override does "
                "not match the length of model variables stored in the optimizer "
                f"({len(self._model_variables_moving_average)}). Please check if the optimizer "
                "was called on your model.")
        for var, average in zip(trainable_variables, self._model_variables_moving_average):
            if average is not None:
                var.assign(average.value)  # a copy: the average goes on being updated in place

    def finalize_variable_values(self, var_list):
        """At the end of `fit`: with `use_ema`, the weights take their moving averages."""
        if self.use_ema:
            self._overwrite_model_variables_with_average_value(var_list)

    # --- weights and config -------------------------------------------------------------------
    def set_weights(self, weights):
        if not self.built:
            raise ValueError(
                "You are calling `set_weights()` on an optimizer that has not yet been built. "
                "Please call `optimizer.build(trainable_variables)` to create the optimizer "
                "weights before calling `set_weights()`.")
        for variable, weight in zip(self._variables, weights):
            if tuple(variable.shape) != tuple(onp.shape(weight)):
                raise ValueError(
                    f"Optimizer variable {id(variable)} has shape {variable.shape} not "
                    f"compatible with provided weight shape {onp.shape(weight)}.")
            variable.assign(weight)

    def save_own_variables(self, store):
        for i, variable in enumerate(self.variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        if len(store.keys()) != len(self.variables):
            msg = (f"Skipping variable loading for optimizer '{self.name}', because it has "
                   f"{len(self.variables)} variables whereas the saved optimizer has "
                   f"{len(store.keys())} variables. ")
            if not self.variables:
                msg += "This is likely because the optimizer has not been called/built yet."
            warnings.warn(msg, stacklevel=2)
            return
        for i, variable in enumerate(self.variables):
            variable.assign(store[str(i)])

    def get_config(self):
        lr = self._learning_rate
        if isinstance(lr, _schedules.LearningRateSchedule):
            lr = _schedules.serialize(lr)
        elif isinstance(lr, Variable):
            lr = float(lr.numpy())
        return {
            "name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue, "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
            **{key: getattr(self, key) for key in self._config_keys},
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _schedules.deserialize(config["learning_rate"],
                                                             custom_objects=custom_objects)
        return cls(**config)


def _initial_value(initializer, shape, dtype):
    if isinstance(initializer, str) and initializer in ("zeros", "ones"):
        return (onp.zeros if initializer == "zeros" else onp.ones)(shape, dtype=dtype)
    if isinstance(initializer, (int, float)) and not isinstance(initializer, bool):
        return onp.full(shape, initializer, dtype=dtype)
    if isinstance(initializer, (str, dict)):
        from minikeras import initializers
        initializer = initializers.get(initializer)
    return initializer(shape, dtype=dtype)


def _filter_empty_gradients(grads, variables):
    """Drop (None, variable) pairs with Keras's warning; all None is an error."""
    if all(g is not None for g in grads):
        return list(grads), variables
    kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
    if not kept:
        raise ValueError("No gradients provided for any variable.")
    missing = [getattr(v, "path", v.name) for g, v in zip(grads, variables) if g is None]
    warnings.warn(
        f"Gradients do not exist for variables {missing} when minimizing the loss. If using "
        "`model.compile()`, did you forget to provide a `loss` argument?")
    return [g for g, _ in kept], [v for _, v in kept]


def global_norm(value_list):
    """`sqrt(sum_i ||g_i||^2)` over the non-None arrays."""
    return onp.sqrt(onp.sum(onp.stack([onp.sum(onp.square(v)) for v in value_list
                                       if v is not None])))


def clip_by_global_norm(value_list, clip_norm):
    """Scale every array by `clip_norm / max(global_norm, clip_norm)` (NaN if not finite)."""
    use_norm = global_norm(value_list)
    with onp.errstate(divide="ignore", invalid="ignore"):
        scale = clip_norm * onp.minimum(1.0 / use_norm, 1.0 / clip_norm) + (use_norm - use_norm)
    return [v * scale if v is not None else v for v in value_list]


def _plain_value(value):
    """A Variable's array, or the value itself."""
    return value.numpy() if isinstance(value, Variable) else value
