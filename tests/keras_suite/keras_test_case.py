"""Our port of Keras's `keras/src/testing/test_case.py` for running Keras's tests on minikeras.

It checks what Keras's TestCase checks, as it runs under the JAX backend (minikeras trains, so the
training step runs; mixed precision is checked too). Only Keras-internal plumbing differs: seed
generators are found by walking the layers, and there is no traceback filtering to turn off.
"""
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
from absl.testing import parameterized

import minikeras
from minikeras import ops
from minikeras.engine.dtypes import is_float_dtype, standardize_dtype
from minikeras.engine.keras_tensor import KerasTensor
from minikeras.engine.random import SeedGenerator
from minikeras.utils.global_state import clear_session

FLOAT_AND_INT_DTYPES = ("float16", "float32", "float64", "int8", "uint8", "int16", "uint16",
                        "int32", "uint32", "int64", "uint64")


def _flatten(structure):
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in _flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in _flatten(item)]
    return [structure]


def _map(fn, *structures):
    first = structures[0]
    if isinstance(first, dict):
        return {k: _map(fn, *(s[k] for s in structures)) for k in first}
    if isinstance(first, (list, tuple)):
        return type(first)(_map(fn, *items) for items in zip(*structures))
    return fn(*structures)


def _map_up_to(shallow, fn, *structures):
    """Maps `fn` over `structures` down to the nesting of `shallow` (Keras's map_structure_up_to)."""
    if isinstance(shallow, dict):
        return {k: _map_up_to(shallow[k], fn, *(s[k] for s in structures)) for k in shallow}
    if isinstance(shallow, (list, tuple)):
        return [_map_up_to(sub, fn, *items) for sub, *items in zip(shallow, *structures)]
    return fn(*structures)


class TestCase(parameterized.TestCase):
    maxDiff = None

    def setUp(self):
        clear_session(free_memory=False)  # as Keras's setUp: a full gc per test costs ~0.4 s here

    def get_temp_dir(self):
        temp_dir = tempfile.mkdtemp()
        self.addCleanup(lambda: shutil.rmtree(temp_dir, ignore_errors=True))
        return temp_dir

    def convert_to_numpy(self, x):
        if isinstance(x, np.ndarray):
            return np.asarray(x)
        if isinstance(x, minikeras.Variable):
            return np.asarray(x.numpy())
        return np.array(x)

    def assertAllClose(self, actual, desired, atol=1e-6, rtol=1e-6, tpu_atol=None, tpu_rtol=None,
                       msg=None):
        np.testing.assert_allclose(self.convert_to_numpy(actual), self.convert_to_numpy(desired),
                                   atol=atol, rtol=rtol, err_msg=msg or "")

    def assertNotAllClose(self, x1, x2, atol=1e-6, rtol=1e-6, msg=None):
        try:
            self.assertAllClose(x1, x2, atol=atol, rtol=rtol)
        except AssertionError:
            return
        raise AssertionError(f"The two values are close at all elements. \n{msg or ''}.\nValues: {x1}")

    def assertAlmostEqual(self, actual, desired, decimal=3, tpu_decimal=None, msg=None):
        np.testing.assert_almost_equal(self.convert_to_numpy(actual), self.convert_to_numpy(desired),
                                       decimal=decimal, err_msg=msg or "")

    def assertAllEqual(self, actual, desired, msg=None):
        np.testing.assert_array_equal(self.convert_to_numpy(actual), self.convert_to_numpy(desired),
                                      err_msg=msg or "")

    def assertLen(self, iterable, expected_len, msg=None):
        self.assertEqual(len(iterable), expected_len, msg=msg)

    def assertSparse(self, x, sparse=True):
        if isinstance(x, KerasTensor):
            self.assertEqual(getattr(x, "sparse", False), sparse)
        else:
            self.assertFalse(sparse, "minikeras does not support sparse tensors")

    def assertRagged(self, x, ragged=True):
        if isinstance(x, KerasTensor):
            self.assertEqual(getattr(x, "ragged", False), ragged)
        else:
            self.assertFalse(ragged, "minikeras does not support ragged tensors")

    def assertDType(self, x, dtype, msg=None):
        x_dtype = standardize_dtype(x.dtype if hasattr(x, "dtype") else type(x))
        expected = standardize_dtype(dtype)
        self.assertEqual(x_dtype, expected, msg=msg or (
            "The dtype of x does not match the expected one. "
            f"Received: x.dtype={x_dtype} and dtype={dtype}"))

    def assertFileExists(self, path):
        if not Path(path).is_file():
            raise AssertionError(f"File {path} does not exist")

    def run_class_serialization_test(self, instance, custom_objects=None):
        from minikeras.saving import (custom_object_scope, deserialize_keras_object,
                                      serialize_keras_object)
        cls = instance.__class__
        config_json = to_json_with_tuples(instance.get_config())
        ref_dir = set(dir(instance))
        with custom_object_scope(custom_objects):
            revived = cls.from_config(instance.get_config())
        self.assertEqual(config_json, to_json_with_tuples(revived.get_config()))
        self.assertEqual(ref_dir, set(dir(revived)))

        serialized_json = to_json_with_tuples(serialize_keras_object(instance))
        with custom_object_scope(custom_objects):
            revived = deserialize_keras_object(from_json_with_tuples(serialized_json))
        self.assertEqual(config_json, to_json_with_tuples(revived.get_config()))
        self.assertEqual(ref_dir - {"__annotations__"}, set(dir(revived)) - {"__annotations__"})
        return revived

    def run_layer_test(self, layer_cls, init_kwargs, input_shape=None, input_dtype=None,
                       input_sparse=False, input_ragged=False, input_data=None, call_kwargs=None,
                       expected_output_shape=None, expected_output_dtype=None,
                       expected_output_sparse=False, expected_output_ragged=False,
                       expected_output=None, expected_num_trainable_weights=None,
                       expected_num_non_trainable_weights=None,
                       expected_num_non_trainable_variables=None,
                       expected_num_seed_generators=None, expected_num_losses=None,
                       supports_masking=None, expected_mask_shape=None, custom_objects=None,
                       run_training_check=True, run_mixed_precision_check=True,
                       assert_built_after_instantiation=False, tpu_atol=None, tpu_rtol=None):
        """The checks of Keras's `run_layer_test`: construction, serialization, build, symbolic
        call, eager call (with expected values), one training step, and mixed precision."""
        if input_shape is not None and input_data is not None:
            raise ValueError("input_shape and input_data cannot be passed at the same time.")
        if expected_output_shape is not None and expected_output is not None:
            raise ValueError("expected_output_shape and expected_output cannot be passed "
                             "at the same time.")
        if expected_output is not None and input_data is None:
            raise ValueError("In order to use expected_output, input_data must be provided.")
        if expected_mask_shape is not None and supports_masking is not True:
            raise ValueError("In order to use expected_mask_shape, supports_masking must be True.")
        init_kwargs = init_kwargs or {}
        call_kwargs = call_kwargs or {}
        has_inputs = input_data is not None or input_shape is not None

        if input_shape is not None and input_dtype is not None:
            self._check_shape_dtype_structures(input_shape, input_dtype)
        if input_shape is not None and input_dtype is None:
            input_dtype = map_shape_dtype_structure(lambda s, d: "float32", input_shape, input_shape)

        def call(layer, inputs):
            if isinstance(inputs, dict):
                return layer(**inputs, **call_kwargs)
            return layer(inputs, **call_kwargs)

        # Expected counts default to what an eagerly built layer has (Keras does the same).
        if has_inputs:
            if input_data is None:
                input_data = create_eager_tensors(input_shape, input_dtype, input_sparse, input_ragged)
            layer = layer_cls(**init_kwargs)
            call(layer, input_data)
            if expected_num_trainable_weights is None:
                expected_num_trainable_weights = len(layer.trainable_weights)
            if expected_num_non_trainable_weights is None:
                expected_num_non_trainable_weights = len(layer.non_trainable_weights)
            if expected_num_non_trainable_variables is None:
                expected_num_non_trainable_variables = len(layer.non_trainable_variables)
            if expected_num_seed_generators is None:
                expected_num_seed_generators = len(get_seed_generators(layer))

        layer = layer_cls(**init_kwargs)
        self.run_class_serialization_test(layer, custom_objects)
        if supports_masking is not None:
            self.assertEqual(layer.supports_masking, supports_masking,
                             msg="Unexpected supports_masking value")

        def build_asserts(layer):
            self.assertTrue(layer.built)
            for count, got, what in (
                    (expected_num_trainable_weights, layer.trainable_weights, "trainable_weights"),
                    (expected_num_non_trainable_weights, layer.non_trainable_weights,
                     "non_trainable_weights"),
                    (expected_num_non_trainable_variables, layer.non_trainable_variables,
                     "non_trainable_variables"),
                    (expected_num_seed_generators, get_seed_generators(layer), "seed_generators")):
                if count is not None:
                    self.assertLen(got, count, msg=f"Unexpected number of {what}")

        def output_asserts(layer, output, eager=False):
            if expected_output_shape is not None:
                def shape_matches(expected, x):
                    return len(x.shape) == len(expected) and all(
                        e is None or e == d for e, d in zip(expected, x.shape))
                matches = _map_up_to(output, shape_matches, expected_output_shape, output)
                self.assertTrue(all(_flatten(matches)),
                                msg=f"Expected output shapes {expected_output_shape} but received "
                                    f"{_map(lambda x: x.shape, output)}")
            if expected_output_dtype is not None:
                matches = _map(lambda e, x: e == standardize_dtype(x.dtype),
                               expected_output_dtype, output)
                self.assertTrue(all(_flatten(matches)),
                                msg=f"Expected output dtypes {expected_output_dtype} but received "
                                    f"{_map(lambda x: x.dtype, output)}")
            if expected_output_sparse:
                for x in _flatten(output):
                    self.assertSparse(x)
            if expected_output_ragged:
                for x in _flatten(output):
                    self.assertRagged(x)
            if eager:
                if expected_output is not None:
                    self.assertEqual(type(expected_output), type(output))
                    for ref, value in zip(_flatten(expected_output), _flatten(output)):
                        self.assertAllClose(ref, value, msg="Unexpected output value")
                if expected_num_losses is not None:
                    self.assertLen(layer.losses, expected_num_losses)

        if has_inputs:
            build_shape = input_shape if input_shape is not None else _map(ops.shape, input_data)
            layer = layer_cls(**init_kwargs)
            if isinstance(build_shape, dict):
                layer.build(**build_shape)
            else:
                layer.build(build_shape)
            build_asserts(layer)

            if input_shape is None:
                symbolic_inputs = _map(lambda x: create_keras_tensors(
                    ops.shape(x), x.dtype, input_sparse, input_ragged), input_data)
            else:
                symbolic_inputs = create_keras_tensors(input_shape, input_dtype, input_sparse,
                                                       input_ragged)
            layer = layer_cls(**init_kwargs)
            symbolic_outputs = call(layer, symbolic_inputs)
            build_asserts(layer)
            output_asserts(layer, symbolic_outputs)
            if expected_mask_shape is not None:
                self.assertEqual(expected_mask_shape, layer.compute_mask(symbolic_inputs).shape)

            if assert_built_after_instantiation:
                layer = layer_cls(**init_kwargs)
                self.assertTrue(layer.built, msg=f"{type(layer)} is stateless, so it should be "
                                                 "built after instantiation.")

                class ModifiedBuildLayer(layer_cls):
                    def build(self, *args, **kwargs):
                        pass

                layer = ModifiedBuildLayer(**init_kwargs)
                self.assertFalse(layer.built, msg=f"The `build` of {type(layer)} is overriden, so "
                                                  "it should not be built after instantiation.")

            layer = layer_cls(**init_kwargs)
            output_data = call(layer, input_data)
            output_asserts(layer, output_data, eager=True)
            if run_training_check:
                self._run_training_step(layer, input_data, output_data)
            if run_mixed_precision_check:
                self._run_mixed_precision_check(layer_cls, init_kwargs, input_data,
                                                symbolic_inputs, call)

    def _check_shape_dtype_structures(self, input_shape, input_dtype):
        if isinstance(input_shape, tuple) and is_shape_tuple(input_shape[0]):
            self.assertIsInstance(input_dtype, tuple)
            self.assertEqual(len(input_shape), len(input_dtype),
                             msg="The number of input shapes and dtypes does not match")
        elif isinstance(input_shape, dict):
            self.assertIsInstance(input_dtype, dict)
            self.assertEqual(set(input_shape), set(input_dtype),
                             msg="The number of input shapes and dtypes does not match")
        elif isinstance(input_shape, list):
            self.assertIsInstance(input_dtype, list)
            self.assertEqual(len(input_shape), len(input_dtype),
                             msg="The number of input shapes and dtypes does not match")
        elif not isinstance(input_shape, tuple):
            raise ValueError("The type of input_shape is not supported")

    def _run_training_step(self, layer, input_data, output_data):
        """One `fit` step of a model wrapping the layer, with loss sum(y_pred)."""
        class TestModel(minikeras.Model):
            def __init__(self, layer):
                super().__init__()
                self.layer = layer

            def call(self, x, training=False):
                return self.layer(x, training=training)

        class TestLoss(minikeras.losses.Loss):
            def __call__(self, y_true, y_pred, sample_weight=None):
                return ops.sum(y_pred)

        def data_generator():
            while True:
                yield input_data, output_data

        model = TestModel(layer)
        model.compile(optimizer="sgd", loss=TestLoss(), jit_compile="auto")
        model.fit(data_generator(), steps_per_epoch=1, verbose=0)

    def _run_mixed_precision_check(self, layer_cls, init_kwargs, input_data, symbolic_inputs, call):
        """Under "mixed_float16": outputs have the dtypes compute_output_spec reports, and float
        weights stay float32."""
        layer = layer_cls(**{**init_kwargs, "dtype": "mixed_float16"})
        input_spec = _map(lambda spec: KerasTensor(
            spec.shape, dtype=(layer.compute_dtype if layer.autocast and is_float_dtype(spec.dtype)
                               else spec.dtype)), symbolic_inputs)
        output_data = call(layer, input_data)
        if isinstance(input_data, dict):
            output_spec = layer.compute_output_spec(**input_spec)
        else:
            output_spec = layer.compute_output_spec(input_spec)
        for tensor, spec in zip(_flatten(output_data), _flatten(output_spec)):
            dtype = standardize_dtype(tensor.dtype)
            self.assertEqual(dtype, spec.dtype, f"expected output dtype {spec.dtype}, got {dtype}")
        for weight in layer.weights:
            dtype = standardize_dtype(weight.dtype)
            if is_float_dtype(dtype):
                self.assertEqual(dtype, "float32")


def uses_gpu():
    return False


def uses_tpu():
    return False


jax_uses_gpu = jax_uses_tpu = tensorflow_uses_gpu = tensorflow_uses_tpu = torch_uses_gpu = uses_gpu


def create_keras_tensors(input_shape, dtype, sparse, ragged):
    if isinstance(input_shape, dict):
        return {k.removesuffix("_shape"): KerasTensor(v, dtype=dtype[k])
                for k, v in input_shape.items()}
    return map_shape_dtype_structure(lambda shape, dt: KerasTensor(shape, dtype=dt), input_shape, dtype)


def create_eager_tensors(input_shape, dtype, sparse, ragged=False):
    """Uniform [0, 3) values cast to each dtype, as Keras's helper makes them."""
    if set(_flatten(dtype)).difference(FLOAT_AND_INT_DTYPES):
        raise ValueError(f"dtype must be a standard float or int dtype. Received: dtype={dtype}")
    if sparse or ragged:
        raise ValueError("Sparse and ragged tensors are unsupported in minikeras")

    def make(shape, dt):
        return ops.cast(minikeras.random.uniform(shape, dtype="float32") * 3, dtype=dt)

    if isinstance(input_shape, dict):
        return {k.removesuffix("_shape"): make(v, dtype[k]) for k, v in input_shape.items()}
    return map_shape_dtype_structure(make, input_shape, dtype)


def is_shape_tuple(x):
    return isinstance(x, (list, tuple)) and all(isinstance(e, (int, type(None))) for e in x)


def map_shape_dtype_structure(fn, shape, dtype):
    """`fn(shape, dtype)` over a structure of shape tuples and the matching dtypes."""
    if is_shape_tuple(shape):
        return fn(tuple(shape), dtype)
    if isinstance(shape, (list, tuple)):
        return type(shape)(map_shape_dtype_structure(fn, s, d) for s, d in zip(shape, dtype))
    if isinstance(shape, dict):
        return {k: map_shape_dtype_structure(fn, v, dtype[k]) for k, v in shape.items()}
    raise ValueError(f"Cannot map function to unknown objects {shape} and {dtype}")


def get_seed_generators(layer):
    """Every SeedGenerator the layer and its sublayers hold as attributes (or in lists of them)."""
    found, seen = [], set()
    for sublayer in layer._flatten_layers():
        for value in vars(sublayer).values():
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(item, SeedGenerator) and id(item) not in seen:
                    seen.add(id(item))
                    found.append(item)
    return found


def to_json_with_tuples(value):
    """JSON that keeps tuples distinct from lists (configs must round-trip exactly)."""
    def encode(obj):
        if isinstance(obj, tuple):
            return {"__class__": "tuple", "__value__": list(obj)}  # inner tuples: lists, as Keras
        if isinstance(obj, list):
            return [encode(e) for e in obj]
        if isinstance(obj, dict):
            return {key: encode(v) for key, v in obj.items()}
        return obj
    return json.dumps(encode(value), sort_keys=True, indent=4)


def from_json_with_tuples(value):
    def decode(obj):
        if isinstance(obj, dict) and "__class__" in obj and "__value__" in obj:
            return tuple(obj["__value__"])
        return obj
    return json.loads(value, object_hook=decode)
