"""The binding of variables to traced values, and the gradients (engine/autodiff.py)."""
import numpy as np
import pytest

import minikeras as K
from minikeras import ops
from minikeras.engine import autodiff
from minikeras.engine.autodiff import StatelessScope, bound, is_traced, untraced, value_and_grads
from minikeras.engine.variable import Variable, read_value


def test_scope_binds_value_layer_attribute_and_ops_and_unbinds_after():
    layer = K.layers.Dense(2, use_bias=False)
    layer.build((None, 3))
    kernel = layer.kernel
    stand_in = np.full((3, 2), 7.0, "float32")
    with StatelessScope([(kernel, stand_in)]):
        assert autodiff.binding_open()
        assert kernel.value is stand_in and bound(kernel, None) is stand_in
        assert layer.kernel.value is stand_in  # a layer attribute reads the bound value
        assert read_value(kernel) is stand_in  # what keras.ops functions read
        np.testing.assert_array_equal(layer(np.ones((1, 3), "float32")), [[21.0, 21.0]])
    assert not autodiff.binding_open()
    assert layer.kernel is kernel and kernel.value is not stand_in
    assert bound(kernel, "default") == "default"


def test_nested_scopes_add_bindings_and_restore_the_outer_ones():
    a, b = Variable(np.zeros(2, "float32")), Variable(np.zeros(2, "float32"))
    one, two = np.ones(2, "float32"), np.full(2, 2.0, "float32")
    with StatelessScope([(a, one)]):
        with StatelessScope([(b, two), (a, two)]):
            assert a.value is two and b.value is two
        assert a.value is one and b.value is b._value
    assert a.value is a._value


def test_scope_is_closed_when_the_block_raises():
    v = Variable(np.zeros(2, "float32"))
    with pytest.raises(RuntimeError):
        with StatelessScope([(v, np.ones(2, "float32"))]):
            raise RuntimeError("boom")
    assert not autodiff.binding_open() and v.value is v._value


def test_gradient_flows_through_self_kernel_in_a_users_layer():
    """A user's Layer reading self.w in call trains: value_and_grads sees through the binding."""
    class Scale(K.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")

        def call(self, x):
            return x * self.w

    layer = Scale()
    x = np.array([[1.0, 2.0, 3.0]], "float32")
    layer(x)

    def loss(values):
        with StatelessScope(zip([layer.w], values)):
            return ops.sum(layer(x) ** 2)

    w = np.array([1.0, -1.0, 0.5], "float32")
    value, (grad,) = value_and_grads(loss, [w])
    np.testing.assert_allclose(value, np.sum((x[0] * w) ** 2))
    np.testing.assert_allclose(grad, 2 * x[0] ** 2 * w)
    assert grad.dtype == np.float32


def test_unused_value_gets_zero_gradient_and_non_scalar_is_refused():
    value, grads = value_and_grads(lambda vs: ops.sum(vs[0] * 3.0), [np.ones(2), np.ones(3)])
    assert value == 6.0
    np.testing.assert_array_equal(grads[0], [3.0, 3.0])
    np.testing.assert_array_equal(grads[1], np.zeros(3))
    with pytest.raises(TypeError, match="scalar-output"):
        value_and_grads(lambda vs: vs[0] * 2.0, [np.ones(2)])


def test_bound_variable_handed_to_raw_numpy_is_an_error_not_a_cut_gradient():
    v = Variable(np.ones(2, "float32"), name="w")

    def loss(values):
        with StatelessScope([(v, values[0])]):
            return np.sum(np.asarray(v))  # raw numpy would drop the gradient silently

    with pytest.raises(TypeError, match="Variable 'w' was passed to a plain numpy function"):
        value_and_grads(loss, [np.ones(2, "float32")])


def test_is_traced_and_untraced_inside_a_trace():
    seen = {}

    def loss(values):
        seen["traced"], seen["plain"] = is_traced(values[0]), untraced(values[0])
        return ops.sum(values[0])

    value_and_grads(loss, [np.arange(3.0)])
    assert seen["traced"] and not is_traced(seen["plain"])
    np.testing.assert_array_equal(seen["plain"], [0.0, 1.0, 2.0])


def test_allocation_budget_refuses_variables_beyond_it():
    from minikeras.saving.allocation_budget import allocation_budget
    zeros = K.initializers.Zeros()
    with allocation_budget(64, "The model in f.keras"):
        Variable(zeros, shape=(4, 4))  # 64 bytes of float32: fits exactly
        with pytest.raises(ValueError, match=r"Refusing to create variable 'big' of shape "
                                             r"\(2,\) \(8 bytes\): The model in f.keras"):
            Variable(zeros, shape=(2,), name="big")
    Variable(zeros, shape=(1000,))  # outside the block: no budget
