"""The Keras tutorial's Transformer classifier in minikeras and in real Keras (JAX), one process.

    python bench/transformer.py [--repeats 3] [--quick] [--threads N] [--profile out.prof]
                                [--minikeras-only]

Model and data: bench/workloads.py ("transformer"). One warm-up epoch, then the median of
`--repeats` timed epochs and predicts. `--quick` uses 256 sequences and one timed epoch.
The full comparison with every peer is bench/suite.py.
"""
import sys

from threads import cap_threads

if __name__ == "__main__":
    cap_threads(sys.argv)
    import workloads
    workloads.script_main("transformer", __doc__, quick_n=256)
