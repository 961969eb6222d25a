"""The IMDB-style LSTM in minikeras and in real Keras (JAX) in one process: epoch seconds and ratio.

    python bench/lstm.py [--repeats 3] [--quick] [--threads N] [--profile out.prof]
                         [--minikeras-only]

Model and data: bench/workloads.py ("lstm": Embedding(5000, 64) -> LSTM(64) -> Dense(1, sigmoid) on
4,096 sequences of 80 tokens, RMSprop). One warm-up epoch (JAX compiles there), then the median of
`--repeats` timed epochs and predicts. `--quick` uses 512 sequences and one timed epoch.
The full comparison with every peer is bench/suite.py.
"""
import sys

from threads import cap_threads

if __name__ == "__main__":
    cap_threads(sys.argv)
    import workloads
    workloads.script_main("lstm", __doc__, quick_n=512)
