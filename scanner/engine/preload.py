"""Imported by the workers' fork server before it forks any worker (see scanner.engine.workers).

Importing the readers there once means each worker starts in milliseconds with them loaded.
A failure here must not take the fork server down: the worker then imports on demand and
reports the error on each asset, where people can see it.
"""

import contextlib

with contextlib.suppress(Exception):
    import imagehash  # noqa: F401 - imported lazily by scanner.fingerprint.picture
    import scipy.fft  # noqa: F401

    import scanner.engine.analyse  # noqa: F401
    import scanner.engine.byte_profile  # noqa: F401 - imported by digests when a frame needs it

with contextlib.suppress(Exception):  # EXR/DPX pixels and PSD layers: shared, not per worker
    import OpenImageIO  # noqa: F401
    import psd_tools.psd.layer_and_mask  # noqa: F401
