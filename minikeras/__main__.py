"""`python -m minikeras run script.py [args...]`: run a script written for Keras on minikeras.
`python -m minikeras demo`: train the seed CNN on the handwritten digits shipped with minikeras."""
import argparse
import os
import sys
import time


def _digits(size):
    import minikeras as keras
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data(size=size)
    scale = 16.0 if size is None else 255.0
    return (x_train.astype("float32") / scale, y_train), (x_test.astype("float32") / scale, y_test)


def cnn_model():
    """The seed document's CNN, layer for layer."""
    from minikeras.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
    from minikeras.models import Sequential
    return Sequential([
        Conv2D(32, (3, 3), activation='relu', input_shape=(28, 28, 1)),
        MaxPooling2D((2, 2)),
        Conv2D(64, (3, 3), activation='relu'),
        MaxPooling2D((2, 2)),
        Flatten(),
        Dense(64, activation='relu'),
        Dropout(0.5),
        Dense(10, activation='softmax')
    ])


def mlp_model():
    import minikeras as keras
    from minikeras import layers
    return keras.Sequential([keras.Input(shape=(64,)), layers.Dense(128, activation="relu"),
                             layers.Dropout(0.2), layers.Dense(64, activation="relu"),
                             layers.Dense(10, activation="softmax")])


def demo(model_name="cnn", epochs=None, verbose=1):
    """Trains the seed CNN (or an MLP) on the shipped handwritten digits; returns test accuracy."""
    import numpy as np

    import minikeras as keras

    keras.utils.set_random_seed(0)
    if model_name == "cnn":
        (x_train, y_train), (x_test, y_test) = _digits(28)
        x_train, x_test = x_train[..., None], x_test[..., None]
        model, epochs = cnn_model(), epochs or 20
    else:
        (x_train, y_train), (x_test, y_test) = _digits(None)
        x_train, x_test = x_train.reshape(-1, 64), x_test.reshape(-1, 64)
        model, epochs = mlp_model(), epochs or 30
    print(f"Handwritten digits ({x_train.shape[1]}x{x_train.shape[2] if x_train.ndim > 2 else ''}"
          f"): {len(x_train)} training and {len(x_test)} test images".replace("x)", ")"))
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=32, epochs=epochs, validation_data=(x_test, y_test),
              verbose=verbose)
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    predicted = np.argmax(model.predict(x_test[:10], verbose=0), axis=-1)
    print(f"Trained {epochs} epochs in {seconds:.1f} s")
    print(f"Test accuracy: {accuracy:.4f}  (test loss {loss:.4f})")
    print(f"First 10 test digits: true {list(map(int, y_test[:10]))}, predicted {list(map(int, predicted))}")
    return accuracy


def _runner_frame(tb):
    """Whether a traceback entry belongs to this runner (this file or runpy), not the script."""
    frame = tb.tb_frame
    return (os.path.abspath(frame.f_code.co_filename) == os.path.abspath(__file__)
            or frame.f_globals.get("__name__") == "runpy")


def _run_file(path):
    """Executes a script file as the `__main__` module, the way `python path` does."""
    import builtins
    import io
    import types
    path = os.path.abspath(path)
    with io.open_code(path) as f:
        code = compile(f.read(), path, "exec", dont_inherit=True)
    main = types.ModuleType("__main__")
    main.__dict__.update(__file__=path, __cached__=None, __builtins__=builtins)
    previous, sys.modules["__main__"] = sys.modules["__main__"], main
    try:
        exec(code, main.__dict__)
    finally:
        sys.modules["__main__"] = previous


def run(target, args=(), module=False):
    """Runs a Keras script (or `-m module`) as `__main__` with `keras` resolved to minikeras.

    As `python script.py args...` would: `sys.argv == [script, *args]`, `sys.path[0]` is the
    script's directory, `SystemExit` passes through, and an uncaught exception prints the
    script's own traceback (without the runner's frames) and returns exit status 1.
    """
    import runpy

    from minikeras._install import install
    if not module and not os.path.isfile(target):
        print(f"python -m minikeras run: can't open file {os.path.abspath(target)!r}: "
              "[Errno 2] No such file or directory", file=sys.stderr)
        return 2
    install()
    sys.argv = [target, *args]
    try:
        if module:
            sys.path[0] = os.getcwd()
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        else:
            sys.path[0] = os.path.dirname(os.path.realpath(target))
            _run_file(target)
    except Exception as e:
        tb = e.__traceback__
        while tb is not None and _runner_frame(tb):
            tb = tb.tb_next
        sys.excepthook(type(e), e.with_traceback(tb), tb)
        return 1
    return 0


_RUN_USAGE = "usage: python -m minikeras run (script.py | -m module) [args ...]"


def _run_command(argv):
    if argv and argv[0] in ("-h", "--help"):
        print(_RUN_USAGE + "\n\nRuns a script written for Keras (`import keras`, `from tensorflow "
              "import keras`, ...) with those imports resolved to minikeras.")
        return 0
    if argv and argv[0] == "-m":
        if len(argv) < 2:
            print(_RUN_USAGE + "\nerror: argument -m: expected a module name", file=sys.stderr)
            return 2
        return run(argv[1], argv[2:], module=True)
    if not argv:
        print(_RUN_USAGE + "\nerror: the following arguments are required: script", file=sys.stderr)
        return 2
    return run(argv[0], argv[1:])


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "run":  # everything after the script belongs to the script
        return _run_command(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m minikeras", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run a Keras script with `keras` resolved to minikeras",
                   usage=_RUN_USAGE, add_help=False)
    d = sub.add_parser("demo", help="train the seed CNN on the shipped handwritten digits")
    d.add_argument("--model", choices=["cnn", "mlp"], default="cnn")
    d.add_argument("--epochs", type=int, default=None)
    d.add_argument("--verbose", type=int, default=1)
    d.add_argument("--min-accuracy", type=float, default=None,
                   help="exit with status 1 when test accuracy is below this")
    args = parser.parse_args(argv)
    if args.command == "demo":
        accuracy = demo(args.model, args.epochs, args.verbose)
        if args.min_accuracy is not None and accuracy < args.min_accuracy:
            print(f"Test accuracy {accuracy:.4f} is below {args.min_accuracy}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
