"""`model.summary()`: the table Keras 3 prints, with the same parameter counts."""
import numpy as onp

from minikeras.layers.core import InputLayer


def readable_memory_size(size):
    for unit in ["B", "KB", "MB", "GB", "TB", "PB"]:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _count(variables):
    return int(sum(int(onp.prod(v.shape, dtype=onp.int64)) for v in variables))


def _bytes(variables):
    return int(sum(int(onp.prod(v.shape, dtype=onp.int64)) * onp.dtype(v.dtype).itemsize for v in variables))


def _shape_str(layer, model):
    nodes = [n for n in layer._inbound_nodes if _node_in_model(n, model)] or layer._inbound_nodes
    if not nodes:
        return "?"
    shapes = [t.shape for t in nodes[-1].output_tensors]
    text = ", ".join(str(s).replace(",)", ")") if len(s) != 1 else f"({s[0]},)" for s in shapes)
    return text if len(shapes) == 1 else f"[{text}]"


def _node_in_model(node, model):
    own = getattr(model, "_nodes", None)
    return own is None or any(node is n for n in own)


def _connections(layer, model):
    out = []
    for node in layer._inbound_nodes:
        if not _node_in_model(node, model):
            continue
        for t in node.input_tensors:
            parent, node_index, tensor_index = t._keras_history
            out.append(f"{parent.name}[{node_index}][{tensor_index}]")
    return out or ["-"]


def _is_sequential_like(model):
    nodes = [n for n in getattr(model, "_nodes", []) if not isinstance(n.layer, InputLayer)]
    if not hasattr(model, "_nodes"):
        return True
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        return False
    return all(len(n.input_tensors) == 1 and len(n.layer._inbound_nodes) == 1 for n in nodes)


def _wrap(text, width):
    """Splits `text` into lines of at most `width` characters at ', ' boundaries."""
    lines, current = [], ""
    for part in text.split(" "):
        candidate = f"{current} {part}".strip()
        if len(candidate) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = part
    return lines + [current]


def _table(widths, header, rows, right_aligned):
    def border(left, mid, right, fill):
        return left + mid.join(fill * w for w in widths) + right

    def line(cells, edge, sep):
        wrapped = [_wrap(c, w - 2) if isinstance(c, str) else c for c, w in zip(cells, widths)]
        height = max(len(w) for w in wrapped)
        out = []
        for i in range(height):
            parts = []
            for j, (w, cell) in enumerate(zip(widths, wrapped)):
                text = cell[i] if i < len(cell) else ""
                parts.append(" " + (text.rjust(w - 2) if j in right_aligned else text.ljust(w - 2)) + " ")
            out.append(edge + sep.join(parts) + edge)
        return out

    out = [border("┏", "┳", "┓", "━")]
    out += line(header, "┃", "┃")
    out.append(border("┡", "╇", "┩", "━"))
    for i, row in enumerate(rows):
        out += line(row, "│", "│")
        out.append(border("├", "┼", "┤", "─") if i < len(rows) - 1 else border("└", "┴", "┘", "─"))
    if not rows:
        out.append(border("└", "┴", "┘", "─"))
    return out


def print_summary(model, line_length=None, print_fn=None):
    print_fn = print_fn or (lambda line, **kw: print(line))
    sequential_like = _is_sequential_like(model)
    layers = getattr(model, "_operations", None) or model.layers  # a functional model's ops too
    rows = []
    for layer in layers:
        name = f"{layer.name} ({layer.__class__.__name__})"
        params = f"{layer.count_params():,}" if layer.built or layer.weights else "0 (unbuilt)"
        shape = _shape_str(layer, model)
        row = [name, shape, params]
        if not sequential_like:
            row.append(",\n".join(_connections(layer, model)))
        rows.append(row)
    if sequential_like:
        widths, header = [33, 24, 15], ["Layer (type)", "Output Shape", "Param #"]
    else:
        widths, header = [21, 19, 12, 19], ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        rows = [r[:3] + [r[3].replace(",\n", ", ")] for r in rows]
    lines = [f'Model: "{model.name}"'] + _table(widths, header, rows, right_aligned={2})
    trainable = model.trainable_weights
    non_trainable = model.non_trainable_weights
    optimizer = getattr(model, "optimizer", None)
    built = optimizer is not None and getattr(optimizer, "built", False)  # Keras: once fit built it
    optimizer_vars = list(getattr(optimizer, "variables", []) or []) if built else []
    total = _count(trainable) + _count(non_trainable) + _count(optimizer_vars)
    total_bytes = _bytes(trainable) + _bytes(non_trainable) + _bytes(optimizer_vars)
    lines.append(f" Total params: {total:,} ({readable_memory_size(total_bytes)})")
    lines.append(f" Trainable params: {_count(trainable):,} ({readable_memory_size(_bytes(trainable))})")
    lines.append(f" Non-trainable params: {_count(non_trainable):,} ({readable_memory_size(_bytes(non_trainable))})")
    if optimizer_vars:
        lines.append(f" Optimizer params: {_count(optimizer_vars):,} ({readable_memory_size(_bytes(optimizer_vars))})")
    for line in lines:
        print_fn(line)
