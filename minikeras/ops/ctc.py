"""CTC (connectionist temporal classification) loss: the forward algorithm in log space.

Written as a composition of autograd-traceable numpy, so its gradient is autograd's (checked by
`check_grads` in tests/test_losses_more.py). The recursion is Keras's JAX one (optax's
`ctc_loss_with_forward_probs`): per label position a "phi" score (in a blank) and an "emit"
score (on the label), impossible paths at a finite `LOG_EPSILON` instead of -inf, so that an
infeasible alignment gives a large finite loss rather than inf, as in Keras.
"""
import numpy as onp
from autograd import numpy as anp

from minikeras.engine.autodiff import untraced
from minikeras.ops.nn import log_softmax

LOG_EPSILON = -1e5


def _logaddexp_tail(phi, added):
    """`phi[:, 1:]` log-added with `added`, `phi[:, 0]` kept."""
    return anp.concatenate([phi[:, :1], anp.logaddexp(phi[:, 1:], added)], axis=-1)


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """Per-sequence CTC loss, -log p(target | output).

    Args:
        target: int labels, (batch, max_label_length); entries past `target_length` are padding.
        output: logits, (batch, max_time, num_classes); softmax is applied here.
        target_length: (batch,) label lengths.  output_length: (batch,) input lengths.
        mask_index: the blank class.

    Returns: (batch,) losses, float32 (or the logits' wider float dtype).
    """
    target = onp.asarray(untraced(getattr(target, "value", target))).astype("int32")
    output = getattr(output, "value", output)
    dtype = onp.result_type(untraced(output).dtype, onp.float32)
    output = output if untraced(output).dtype == dtype else anp.asarray(output).astype(dtype)
    target_length = onp.asarray(untraced(target_length)).astype("int32")
    output_length = onp.asarray(untraced(output_length)).astype("int32")
    batch_size, max_time, num_classes = anp.shape(output)
    max_label_length = target.shape[1]

    logprobs = log_softmax(output)
    repeat = onp.zeros((batch_size, max_label_length), dtype)
    repeat[:, :-1] = target[:, :-1] == target[:, 1:]  # label n equals label n + 1
    one_hot = (target[..., None] == onp.arange(num_classes)).astype(dtype)        # (B, N, K)
    logprobs_emit = anp.matmul(logprobs, onp.swapaxes(one_hot, 1, 2))             # (B, T, N)
    logprobs_phi = logprobs[:, :, mask_index:mask_index + 1]                      # (B, T, 1)
    padded = (onp.arange(max_time) >= output_length[:, None]).astype(dtype)        # (B, T)

    phi = onp.full((batch_size, max_label_length + 1), LOG_EPSILON, dtype)
    phi[:, 0] = 0.0
    emit = onp.full((batch_size, max_label_length), LOG_EPSILON, dtype)
    for t in range(max_time):
        lp_emit, lp_phi, pad = logprobs_emit[:, t], logprobs_phi[:, t], padded[:, t:t + 1]
        # emit -> phi epsilon transition, unless the next label repeats this one
        phi_in = _logaddexp_tail(phi, emit + LOG_EPSILON * repeat)
        next_emit = anp.logaddexp(phi_in[:, :-1] + lp_emit, emit + lp_emit)  # phi->emit, loop
        next_phi = _logaddexp_tail(phi_in + lp_phi,  # blank self-loop; emit -> phi on a repeat
                                   emit + lp_phi + LOG_EPSILON * (1.0 - repeat))
        emit = pad * emit + (1.0 - pad) * next_emit  # past the input's length: unchanged
        phi = pad * phi + (1.0 - pad) * next_phi
    phi = _logaddexp_tail(phi, emit)  # the last epsilon transition
    at_length = (onp.arange(max_label_length + 1) == target_length[:, None]).astype(dtype)
    return -anp.sum(phi * at_length, axis=1)
