"""Process settings for CPU training and evaluation."""
import ctypes
import ctypes.util

M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3


def tune_malloc() -> bool:
    """Keep tensors of up to 32 MB on glibc's heap and keep freed memory for the next batch.

    By default glibc maps every allocation above its (adaptive) threshold with mmap and unmaps it on
    free, so each batch's activations are fresh pages the kernel has to zero: on the demo network that
    took as much system time as the computation itself. Same effect as MALLOC_MMAP_THRESHOLD_ etc. in
    the environment; a no-op where the C library is not glibc.
    """
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, 32 << 20) and mallopt(M_TRIM_THRESHOLD, 1 << 30)
                and mallopt(M_TOP_PAD, 64 << 20))
