"""Drawings of a model's layer graph: `plot_model` / `model_to_dot` (pydot + graphviz, as in
Keras) and `model_to_text`, a plain-text drawing that needs nothing installed.

Both walk the same graph: for a Sequential model its layers in order, each feeding the next;
for a functional model every layer call, with an edge from the layer that produced each input.
"""
import os
import sys

try:
    import pydot
except ImportError:  # pragma: no cover - depends on the machine
    pydot = None

_NOT_BUILT = ("This model has not yet been built. Build the model first by calling `build()` or "
              "by calling the model on a batch of data.")
_TEXT_HINT = (" Without it, `keras.utils.model_to_text(model)` draws the model as text (or pass "
              "`to_file` ending in '.txt').")


def _is_container(layer):
    return hasattr(layer, "_nodes") or type(layer).__name__ == "Sequential"


def _graph(model):
    """(layers, edges): the model's layers in call order and (source, destination) pairs."""
    from minikeras.layers.core import InputLayer
    if not hasattr(model, "_nodes"):  # Sequential (or a subclassed model: one box)
        layers = [l for l in getattr(model, "layers", []) if not isinstance(l, InputLayer)]
        if type(model).__name__ != "Sequential":
            return [model], []
        return layers, list(zip(layers[:-1], layers[1:]))
    layers, edges, seen = [], [], set()
    for node in model._nodes:
        if id(node.layer) not in seen:
            seen.add(id(node.layer))
            layers.append(node.layer)
        for t in node.input_tensors:
            pair = (t._keras_history[0], node.layer)
            if not any(a is pair[0] and b is pair[1] for a, b in edges):
                edges.append(pair)
    return layers, edges


def _node_of(layer, model):
    own = getattr(model, "_nodes", None)
    nodes = [n for n in layer._inbound_nodes if own is None or any(n is m for m in own)]
    return nodes[-1] if nodes else None


def _format_shapes(tensors):
    if not tensors:
        return "?"
    shapes = [str(tuple(t.shape)) for t in tensors]
    return shapes[0] if len(shapes) == 1 else "[" + ", ".join(shapes) + "]"


def _activation_name(layer):
    act = layer.activation
    return getattr(act, "name", None) or getattr(act, "__name__", None) or str(act)


def _label_parts(layer, model, opts):
    """(title, [detail lines]) of one box: the facts Keras puts in its graph nodes.

    opts: show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable.
    """
    class_name = type(layer).__name__
    title = f"{layer.name} ({class_name})" if opts["show_layer_names"] else class_name
    lines = []
    if opts["show_layer_activations"] and getattr(layer, "activation", None) is not None:
        lines.append(f"Activation: {_activation_name(layer)}")
    node = _node_of(layer, model)
    if opts["show_shapes"]:
        if class_name != "InputLayer":
            lines.append(f"Input shape: {_format_shapes(node.input_tensors if node else None)}")
        lines.append(f"Output shape: {_format_shapes(node.output_tensors if node else None)}")
    if opts["show_dtype"]:
        dtypes = [t.dtype for t in node.output_tensors] if node else []
        lines.append(f"Output dtype: {dtypes[0] if len(dtypes) == 1 else (dtypes or '?')}")
    if opts["show_trainable"] and layer.weights:
        lines.append("Trainable" if layer.trainable else "Non-trainable")
    return title, lines


def _options(show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable):
    return {"show_shapes": show_shapes, "show_dtype": show_dtype,
            "show_layer_names": show_layer_names,
            "show_layer_activations": show_layer_activations, "show_trainable": show_trainable}


# --- text ------------------------------------------------------------------------------------
def _box(title, lines, from_names):
    body = [title] + lines + ([f"from: {', '.join(from_names)}"] if from_names else [])
    width = max(len(s) for s in body)
    return (["┌" + "─" * (width + 2) + "┐"] + [f"│ {s.ljust(width)} │" for s in body]
            + ["└" + "─" * (width + 2) + "┘"])


def _text_lines(model, opts, expand_nested):
    layers, edges = _graph(model)
    out, previous = [], None
    for layer in layers:
        sources = [a for a, b in edges if b is layer]
        fed_by_previous = previous is not None and any(s is previous for s in sources)
        if out:
            out += ["    │", "    ▼"] if fed_by_previous else [""]
        from_names = [s.name for s in sources if s is not previous]
        title, lines = _label_parts(layer, model, opts)
        if expand_nested and _is_container(layer) and layer is not model:
            inner = _text_lines(layer, opts, expand_nested)
            out += ([f"╔═ {title}"] + [f"║ {line}" for line in lines]
                    + ([f"║ from: {', '.join(from_names)}"] if from_names else [])
                    + [f"║ {line}" for line in inner] + ["╚═"])
        else:
            out += _box(title, lines, from_names)
        previous = layer
    return out


def model_to_text(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                  expand_nested=False, show_layer_activations=False, show_trainable=False):
    """The layer graph as text: one box per layer, top to bottom in call order.

    An arrow joins a layer to the layer just above it when that one feeds it; any other inputs
    are listed in the box as `from: name, ...`. With `expand_nested=True` a nested model is
    drawn as a double-lined frame around its own layers. Needs nothing beyond minikeras
    (`plot_model` needs pydot and graphviz). The flags mean what they mean in `plot_model`.

    Returns:
        The drawing as a string (print it).
    """
    if not model.built:
        raise ValueError(_NOT_BUILT)
    opts = _options(show_shapes, show_dtype, show_layer_names, show_layer_activations,
                    show_trainable)
    return "\n".join([f'Model: "{model.name}"'] + _text_lines(model, opts, expand_nested))


# --- pydot -----------------------------------------------------------------------------------
def _html_label(title, lines):
    """Keras's node label: a black title row, then one white cell per detail."""
    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    rows = [f'<tr><td bgcolor="black"><font point-size="16" color="white"><b>{esc(title)}</b>'
            "</font></td></tr>"]
    rows += [f'<tr><td bgcolor="white"><font point-size="14">{esc(line)}</font></td></tr>'
             for line in lines]
    return '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">' + "".join(rows) \
        + "</table>>"


def _add_to_dot(dot, model, opts, expand_nested):
    """Adds one node per layer (a dashed cluster per nested model) and returns {id: entry}
    where entry is the pydot id of the layer's first (inputs) and last (outputs) node."""
    layers, edges = _graph(model)
    ends = {}
    for layer in layers:
        if expand_nested and _is_container(layer) and layer is not model:
            cluster = pydot.Cluster(graph_name=f"{layer.name}_{id(layer)}", style="dashed",
                                    label=layer.name, labeljust="l")
            inner = _add_to_dot(cluster, layer, opts, expand_nested)
            dot.add_subgraph(cluster)
            sub_layers, _ = _graph(layer)
            ends[id(layer)] = (inner[id(sub_layers[0])][0], inner[id(sub_layers[-1])][1])
            continue
        title, lines = _label_parts(layer, model, opts)
        node = pydot.Node(str(id(layer)), label=_html_label(title, lines), fontname="Helvetica",
                          border="0", margin="0")
        dot.add_node(node)
        ends[id(layer)] = (str(id(layer)), str(id(layer)))
    for src, dst in edges:
        if id(src) in ends and id(dst) in ends:
            dot.add_edge(pydot.Edge(ends[id(src)][1], ends[id(dst)][0], penwidth="2"))
    return ends


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, subgraph=False, show_layer_activations=False,
                 show_trainable=False, splines="ortho", **kwargs):
    """The layer graph as a `pydot.Dot` (needs pydot, as in Keras)."""
    if not model.built:
        raise ValueError(_NOT_BUILT)
    if pydot is None:
        raise ImportError("You must install pydot (`pip install pydot`) for model_to_dot to work."
                          + _TEXT_HINT)
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name, label=model.name, labeljust="l")
    else:
        dot = pydot.Dot(rankdir=rankdir, concentrate=True, dpi=dpi, splines=splines)
        dot.set_node_defaults(shape="record")
    opts = _options(show_shapes, show_dtype, show_layer_names, show_layer_activations,
                    show_trainable)
    _add_to_dot(dot, model, opts, expand_nested)
    return dot


def _graphviz_available():
    try:
        pydot.Dot.create(pydot.Dot())
        return True
    except Exception:  # OSError / pydot's exception: the `dot` program is missing
        return False


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=False, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, splines="ortho", **kwargs):
    """Draws the layer graph to `to_file` with pydot + graphviz, as Keras does.

    A `to_file` ending in ".txt" writes `model_to_text` instead and needs neither. Without
    pydot / graphviz this raises ImportError (in IPython it prints the message and returns
    None, as Keras). Returns an `IPython.display.Image` when IPython is installed (not for
    .pdf / .txt).
    """
    if not model.built:
        raise ValueError(_NOT_BUILT)
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
    to_file = str(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    if extension == "txt":
        text = model_to_text(model, show_shapes, show_dtype, show_layer_names, expand_nested,
                             show_layer_activations, show_trainable)
        with open(to_file, "w", encoding="utf-8") as f:
            f.write(text + "\n")
        return None
    message = None
    if pydot is None:
        message = "You must install pydot (`pip install pydot`) for `plot_model` to work."
    elif not _graphviz_available():
        message = ("You must install graphviz (see instructions at "
                   "https://graphviz.gitlab.io/download/) for `plot_model` to work.")
    if message:
        if "IPython.core.magics.namespace" in sys.modules:
            print(message + _TEXT_HINT)
            return None
        raise ImportError(message + _TEXT_HINT)
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable, splines=splines)
    dot.write(to_file, format=extension)
    if extension != "pdf":
        try:
            from IPython import display
            return display.Image(filename=to_file)
        except ImportError:
            pass
    return None
