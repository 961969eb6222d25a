"""Cap the math threads of numpy (OpenBLAS), JAX (XLA/Eigen) and torch.

Must run before numpy / jax / torch are imported: OpenBLAS and XLA read these variables once, at load.
On a small shared machine OpenBLAS's spinning threads can be much slower than one thread.
"""
import os

BLAS_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def thread_env(n, env=None):
    """A copy of `env` (default os.environ) with every math library capped at `n` threads."""
    env = dict(os.environ if env is None else env)
    if not n:
        return env
    n = str(n)
    for var in BLAS_VARS:
        env[var] = n
    eigen = "false" if n == "1" else "true"
    flags = f"--xla_cpu_multi_thread_eigen={eigen} intra_op_parallelism_threads={n}"
    env["XLA_FLAGS"] = f"{env.get('XLA_FLAGS', '')} {flags}".strip()
    return env


def cap_threads(argv):
    """Apply `--threads N` from a command line to this process's environment."""
    if "--threads" in argv:
        os.environ.update(thread_env(argv[argv.index("--threads") + 1]))
