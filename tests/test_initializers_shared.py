"""The initializers that share one implementation draw exactly what they name, and keep their
own signature and config."""
import inspect

import numpy as np
import pytest

from minikeras import initializers, random

FIXED = [("GlorotUniform", 1.0, "fan_avg", "uniform"),
         ("GlorotNormal", 1.0, "fan_avg", "truncated_normal"),
         ("LecunNormal", 1.0, "fan_in", "truncated_normal"),
         ("LecunUniform", 1.0, "fan_in", "uniform"),
         ("HeNormal", 2.0, "fan_in", "truncated_normal"),
         ("HeUniform", 2.0, "fan_in", "uniform")]


@pytest.mark.parametrize("name,scale,mode,distribution", FIXED)
def test_fixed_variance_scaling_is_variance_scaling(name, scale, mode, distribution):
    cls = getattr(initializers, name)
    init = cls(seed=7, input_axes=[0], output_axes=[1])
    same = initializers.VarianceScaling(scale, mode, distribution, seed=7, input_axes=[0],
                                        output_axes=[1])
    np.testing.assert_array_equal(init((6, 4)), same((6, 4)))
    assert init.get_config() == {"seed": 7, "input_axes": [0], "output_axes": [1]}
    assert (init.scale, init.mode, init.distribution) == (scale, mode, distribution)
    assert str(inspect.signature(cls)) == "(seed=None, input_axes=None, output_axes=None)"
    assert cls.__module__ == "minikeras.initializers" and cls.__qualname__ == name


@pytest.mark.parametrize("name,sample,params,defaults", [
    ("RandomNormal", random.normal, ("mean", "stddev"), (0.0, 0.05)),
    ("TruncatedNormal", random.truncated_normal, ("mean", "stddev"), (0.0, 0.05)),
    ("RandomUniform", random.uniform, ("minval", "maxval"), (-0.05, 0.05))])
def test_distributions_draw_from_keras_random(name, sample, params, defaults):
    cls = getattr(initializers, name)
    assert str(inspect.signature(cls)) == (
        f"({params[0]}={defaults[0]}, {params[1]}={defaults[1]}, seed=None)")
    init = cls(0.5, 2.0, seed=3)
    expected = sample((3, 5), **dict(zip(params, (0.5, 2.0))), dtype="float64", seed=3)
    np.testing.assert_array_equal(init((3, 5), dtype="float64"), expected)
    assert init.get_config() == {"seed": 3, params[0]: 0.5, params[1]: 2.0}
