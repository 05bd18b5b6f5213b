#!/usr/bin/env bash
# Makes clip.mp4 from video.npy: the same 120 frames as H.264 in an mp4, 30 fps, 64x36.
# Lossless: -qp 0 with full-range yuvj420p keeps the gray values exactly (the luma plane is the gray
# frame), so POST /v1/mice/{id}/responses gives the same numbers for clip.mp4 as for video.npy.
# (Lossless H.264 uses the "High 4:4:4 Predictive" profile: FFmpeg, VLC and this service play it,
# some browsers do not.) Needs python3 with numpy and Debian's ffmpeg.
set -euo pipefail
cd "$(dirname "$0")"
python3 - <<'PY' | ffmpeg -nostdin -hide_banner -loglevel error -y \
    -f rawvideo -pix_fmt gray -s 64x36 -r 30 -i - \
    -c:v libx264 -qp 0 -preset veryslow -pix_fmt yuvj420p -movflags +faststart clip.mp4
import sys
import numpy as np
video = np.load("video.npy")                      # (36, 64, frames), values 0..255
frames = np.ascontiguousarray(np.round(video).clip(0, 255).astype(np.uint8).transpose(2, 0, 1))
sys.stdout.buffer.write(frames.tobytes())
PY
echo "wrote $(pwd)/clip.mp4"
