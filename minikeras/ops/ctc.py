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
from minikeras.engine.dtypes import result_type
from minikeras.engine.keras_tensor import KerasTensor
from minikeras.ops.symbolic import wrap_namespace as _wrap_namespace

LOG_EPSILON = -1e5


def _log_softmax(x):
    """x - logsumexp(x) over the classes (this module sits below nn.py, which exports it)."""
    shifted = x - onp.max(untraced(x), axis=-1, keepdims=True)
    return shifted - anp.log(anp.sum(anp.exp(shifted), axis=-1, keepdims=True))


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

    logprobs = _log_softmax(output)
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


def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """Decodes CTC logits (batch, time, classes) into label sequences (not differentiable).

    Returns `(decoded, scores)`: `decoded` (paths, batch, time) int32 labels padded with -1,
    one path for "greedy" and `top_paths` for "beam_search"; `scores` (batch, paths) is minus
    the summed best logits for "greedy", the log-probability of each path for "beam_search".
    """
    inputs = onp.asarray(untraced(getattr(inputs, "value", inputs)))
    inputs = inputs.astype(onp.result_type(inputs.dtype, onp.float32))
    sequence_lengths = onp.asarray(untraced(sequence_lengths)).astype("int32")
    if strategy == "greedy":
        return _greedy_decode(inputs, sequence_lengths, merge_repeated, mask_index)
    if strategy == "beam_search":
        return _beam_search_decode(inputs, sequence_lengths, beam_width, top_paths, mask_index)
    raise ValueError(f"Invalid strategy {strategy}. Supported values are 'greedy' and "
                     "'beam_search'.")


def _greedy_decode(inputs, lengths, merge_repeated, mask_index):
    """The best class per step; repeats merged, blanks dropped (moved to the end as -1)."""
    batch_size, max_length, num_classes = inputs.shape
    if mask_index is None:
        mask_index = num_classes - 1
    past_end = onp.arange(max_length)[None, :] >= lengths[:, None]
    indices = onp.where(past_end, mask_index, onp.argmax(inputs, axis=-1)).astype("int32")
    scores = onp.where(past_end, 0.0, onp.max(inputs, axis=-1)).astype(inputs.dtype)
    if merge_repeated:
        repeat = onp.pad(indices[:, 1:] == indices[:, :-1], ((0, 0), (1, 0)))
        indices = onp.where(repeat, mask_index, indices)
    blank = indices == mask_index
    order = onp.argsort(onp.where(blank, max_length, onp.arange(max_length)), axis=-1,
                        kind="stable")
    indices = onp.take_along_axis(onp.where(blank, -1, indices), order, axis=-1)
    return indices[None].astype("int32"), -onp.sum(scores, axis=1, keepdims=True)


def _merge_scores(inverse, scores, size):
    """log-sum-exp of the scores of equal paths (`inverse` maps each to its unique path)."""
    top = onp.max(scores)
    with onp.errstate(invalid="ignore", divide="ignore"):
        merged = onp.zeros(size, scores.dtype)
        onp.add.at(merged, inverse, onp.exp(scores - top))
        return onp.log(merged) + top


def _unique_rows(paths, size):
    """Sorted unique rows padded with -1 rows to `size`, and each row's index among them."""
    unique, inverse = onp.unique(paths, axis=0, return_inverse=True)
    padded = onp.full((size, paths.shape[1]), -1, paths.dtype)
    padded[:len(unique)] = unique[:size]
    return padded, inverse.reshape(-1)


def _beam_search_decode(inputs, lengths, beam_width, top_paths, mask_index):
    """Keras's (JAX backend's) beam search, step for step, so that ties break the same way:
    the classes are flipped, paths are merged as sorted unique rows, and each step keeps the
    `beam_width` best prefixes, each both as ending in a blank and not."""
    batch_size, max_length, num_classes = inputs.shape
    inputs = onp.flip(untraced(_log_softmax(inputs)), axis=2)
    if mask_index is None:
        mask_index = num_classes - 1
    mask_index = num_classes - mask_index - 1
    width, n_init = 2 * beam_width, min(num_classes, beam_width)
    all_paths, all_scores = [], []
    for b in range(batch_size):
        x = inputs[b]
        paths = onp.full((width, max_length), -1, "int32")
        best = onp.argsort(x[0], kind="stable")[-n_init:]
        paths[:n_init, 0] = onp.where(best == mask_index, -1, best)
        scores = onp.full(width, -onp.inf, x.dtype)
        scores[:n_init] = x[0][best]
        masked = paths[:, 0] == -1
        for t in range(1, max_length):
            if t >= lengths[b]:
                continue
            paths, scores, masked = _beam_step(paths, scores, masked, x[t], beam_width,
                                               mask_index)
        paths, inverse = _unique_rows(paths, 2 * num_classes * beam_width)
        scores = _merge_scores(inverse, scores, len(scores))
        top = onp.argsort(scores, kind="stable")[-top_paths:][::-1]
        all_paths.append(paths[top])
        all_scores.append(scores[top])
    paths = onp.stack(all_paths)
    paths = onp.where(paths == -1, -1, num_classes - paths - 1).astype("int32")
    return onp.transpose(paths, (1, 0, 2)), onp.stack(all_scores)


def _beam_step(paths, scores, masked, x, beam_width, mask_index):
    """Extends every prefix by every class, merges equal prefixes, keeps the best."""
    num_classes = len(x)
    width = 2 * beam_width
    paths = onp.repeat(paths, num_classes, axis=0)
    scores = onp.repeat(scores, num_classes) + onp.tile(x, width)
    prev_masked = onp.repeat(masked, num_classes)
    rows = onp.arange(len(paths))
    tail = onp.argmax(paths == -1, axis=1)
    last = onp.where(tail == 0, -1, paths[rows, tail - 1])
    classes = onp.arange(num_classes)
    classes[mask_index] = -1
    classes = onp.tile(classes, width)
    masked = classes == -1
    classes = onp.where(~prev_masked & (last == classes), -1, classes)  # a repeat: no new label
    paths[rows, tail] = classes
    paths, inverse = _unique_rows(paths, 2 * num_classes * beam_width)
    emit = _merge_scores(inverse, onp.where(masked, -onp.inf, scores), len(scores))
    blank = _merge_scores(inverse, onp.where(masked, scores, -onp.inf), len(scores))
    with onp.errstate(invalid="ignore"):
        top = onp.argsort(onp.logaddexp(emit, blank), kind="stable")[-beam_width:]
    return (onp.tile(paths[top], (2, 1)), onp.concatenate([emit[top], blank[top]]),
            onp.concatenate([onp.zeros(beam_width, bool), onp.ones(beam_width, bool)]))


def _check_first_dim(name1, shape1, name2, shape2):
    if shape1[0] != shape2[0]:
        raise ValueError(f"Arguments `{name1}` and `{name2}` must have the same first dimension. "
                         f"Received shapes: `{shape1}` and `{shape2}`.")


def _ctc_loss_spec(target, output, target_length, output_length, mask_index=0):
    _check_first_dim("target", target.shape, "output", output.shape)
    _check_first_dim("target_length", target_length.shape, "target", target.shape)
    _check_first_dim("output_length", output_length.shape, "output", output.shape)
    return KerasTensor((target.shape[0],), dtype=result_type(output.dtype, "float32"))


ctc_loss.output_spec = _ctc_loss_spec


_wrap_namespace(globals())  # these ops on KerasTensors record graph nodes (functional API)
