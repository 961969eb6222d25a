"""LoRA is refused loudly: `lora_rank=` on Dense / EinsumDense / Embedding and `enable_lora()` raise
NotImplementedError naming the layer and the argument; `lora_rank=None` (and Keras's falsy 0)
build the plain layer."""
import numpy as np
import pytest

from minikeras import layers

MAKERS = {
    "Dense": lambda **kw: layers.Dense(3, **kw),
    "EinsumDense": lambda **kw: layers.EinsumDense("ab,bc->ac", 3, **kw),
    "Embedding": lambda **kw: layers.Embedding(10, 3, **kw),
}


@pytest.mark.parametrize("cls", sorted(MAKERS))
def test_lora_rank_is_refused(cls):
    with pytest.raises(NotImplementedError,
                       match=rf"{cls} layer 'my_layer': LoRA \(`lora_rank`\) is not supported by "
                             r"minikeras\. Received: lora_rank=4"):
        MAKERS[cls](lora_rank=4, name="my_layer")


@pytest.mark.parametrize("cls", sorted(MAKERS))
def test_enable_lora_is_refused(cls):
    layer = MAKERS[cls]()
    with pytest.raises(NotImplementedError, match=rf"{cls} layer .*LoRA \(`lora_rank`\) is not "
                                                  r"supported by minikeras.*enable_lora\(rank=2\)"):
        layer.enable_lora(2)


@pytest.mark.parametrize("cls", sorted(MAKERS))
@pytest.mark.parametrize("rank", [None, 0])
def test_no_lora_builds_the_plain_layer(cls, rank):
    layer = MAKERS[cls](lora_rank=rank)
    x = np.array([[1, 2]]) if cls == "Embedding" else np.ones((2, 4), "float32")
    assert layer(x).shape[-1] == 3
    assert "lora" not in " ".join(w.path for w in layer.weights)
    assert not layer.get_config().get("lora_rank")
