#!/usr/bin/env python3
"""Makes the .npy/.npz fixtures of ArrayLayoutsTest with numpy (run from this folder; output is committed).

layout_<dtype>_<order>_<byteorder>.npy: arange(24).reshape(2, 3, 4) * 10 in every dtype, memory order and
byte order the service accepts; format versions 2.0 and 3.0; clip.npz / clip_compressed.npz: the first 36
frames of the demo sample (models/demo/sample) as numpy.savez and numpy.savez_compressed write them.
"""
import numpy as np

values = np.arange(24).reshape(2, 3, 4) * 10
for dtype in ("u1", "f4", "f8"):
    for order in ("C", "F"):
        for byteorder in ("<", ">"):
            if dtype == "u1" and byteorder == ">":
                continue
            array = np.asarray(values, dtype=np.dtype(byteorder + dtype), order=order)
            assert array.flags.f_contiguous == (order == "F")
            name = f"layout_{dtype}_{order}_{'le' if byteorder == '<' else 'be'}.npy"
            np.save(name, array)
for version in ((2, 0), (3, 0)):
    with open(f"layout_f4_C_le_v{version[0]}.npy", "wb") as f:
        np.lib.format.write_array(f, np.asarray(values, dtype="<f4"), version=version)

sample = "../../../../models/demo/sample/"
video = np.load(sample + "video.npy")[:, :, :36].astype(np.uint8)
behavior = np.load(sample + "behavior.npy")[:, :36].astype(np.float32)
pupil = np.asfortranarray(np.load(sample + "pupil_center.npy")[:, :36].astype(">f8"))
np.savez("clip.npz", video=video, behavior=behavior, pupil_center=pupil)
np.savez_compressed("clip_compressed.npz", video=video, behavior=behavior, pupil_center=pupil)
