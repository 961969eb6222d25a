"""`python -m minikeras demo`: train an MLP on the handwritten digits shipped with minikeras."""
import argparse
import sys
import time


def demo(epochs=30, verbose=2):
    import numpy as np

    import minikeras as keras
    from minikeras import layers

    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    x_train = x_train.reshape(-1, 64).astype("float32") / 16.0
    x_test = x_test.reshape(-1, 64).astype("float32") / 16.0
    print(f"Handwritten digits (8x8): {len(x_train)} training and {len(x_test)} test images")
    model = keras.Sequential([
        keras.Input(shape=(64,)),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=32, epochs=epochs, validation_split=0.1, verbose=verbose)
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    predicted = np.argmax(model.predict(x_test[:10], verbose=0), axis=-1)
    print(f"Trained {epochs} epochs in {seconds:.1f} s")
    print(f"Test accuracy: {accuracy:.4f}  (test loss {loss:.4f})")
    print(f"First 10 test digits: true {list(map(int, y_test[:10]))}, predicted {list(map(int, predicted))}")
    return accuracy


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m minikeras", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", help="train an MLP on the shipped handwritten digits")
    d.add_argument("--epochs", type=int, default=30)
    d.add_argument("--verbose", type=int, default=2)
    d.add_argument("--min-accuracy", type=float, default=None,
                   help="exit with status 1 when test accuracy is below this")
    args = parser.parse_args(argv)
    if args.command == "demo":
        accuracy = demo(args.epochs, args.verbose)
        if args.min_accuracy is not None and accuracy < args.min_accuracy:
            print(f"Test accuracy {accuracy:.4f} is below {args.min_accuracy}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
