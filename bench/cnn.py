"""The seed CNN in minikeras and in real Keras (JAX) in one process: median epoch seconds and ratio.

    python bench/cnn.py [--repeats 3] [--quick] [--variant auto|seed|conv-only] [--threads N]
                        [--profile out.prof] [--minikeras-only]

Model and data: bench/workloads.py ("cnn"). One warm-up epoch (JAX compiles there), then the median
of `--repeats` timed epochs and predicts. The "conv-only" variant replaces each MaxPooling2D((2, 2))
by Conv2D(channels, 2, strides=2). `--threads N` caps both libraries' math threads (OpenBLAS for
numpy, Eigen/XLA for JAX). The full comparison with every peer is bench/suite.py.
"""
import sys

from threads import cap_threads

if __name__ == "__main__":
    cap_threads(sys.argv)
    import workloads
    workloads.script_main("cnn", __doc__, quick_n=256, variants=True)
