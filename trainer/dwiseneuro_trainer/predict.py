"""The reference prediction of an exported ensemble, computed as the original predictor does:
one window per call, every target frame from 30 to T-1, 'ones' blend, plain mean over members."""
from typing import Optional

import numpy as np
import torch

from .ensemble import Ensemble
from .inputs import WindowPlan, stack_inputs, trim_trailing_nan


class ClipError(ValueError):
    """Inputs that cannot be predicted (shape, length or values); the message says why."""


def check_clip(ensemble: Ensemble, video: np.ndarray, behavior: np.ndarray,
               pupil_center: np.ndarray) -> int:
    """Validate shapes and return the clip length without trailing NaN padding."""
    geometry = ensemble.manifest["input"]
    if video.ndim != 3 or video.shape[:2] != (geometry["video_height"], geometry["video_width"]):
        raise ClipError(f"video must be ({geometry['video_height']}, {geometry['video_width']}, T), "
                        f"got {video.shape}")
    for name, trace in (("behavior", behavior), ("pupil_center", pupil_center)):
        if trace.shape != (2, video.shape[-1]):
            raise ClipError(f"{name} must be (2, {video.shape[-1]}) to match the video, got {trace.shape}")
    length = trim_trailing_nan(video, behavior, pupil_center)
    plan = plan_of(ensemble)
    if length < plan.min_length:
        raise ClipError(f"the clip has {length} frames; at least {plan.min_length} are needed")
    for name, array in (("video", video), ("behavior", behavior), ("pupil_center", pupil_center)):
        if not np.isfinite(array[..., :length]).all():
            raise ClipError(f"{name} has NaN or infinite values inside the clip")
    return length


def plan_of(ensemble: Ensemble) -> WindowPlan:
    stack = ensemble.manifest["frame_stack"]
    return WindowPlan(stack["size"], stack["step"], stack.get("position", "last"))


@torch.no_grad()
def predict_member(member: torch.jit.ScriptModule, inputs: torch.Tensor, mouse_index: int,
                   neurons: int, plan: WindowPlan, batch_size: int = 1,
                   input_dtype: torch.dtype = torch.float32) -> np.ndarray:
    """One member's blended (neurons, T) prediction; `input_dtype` is float32 except for legacy
    half-precision members, which take their compute dtype."""
    length = inputs.shape[1]
    responses = np.zeros((neurons, length), dtype=np.float32)
    counts = np.zeros(length, dtype=np.float32)
    ends = list(plan.ends(length))
    for start in range(0, len(ends), batch_size):
        chunk = ends[start:start + batch_size]
        windows = torch.stack([inputs[:, plan.indexes(end)] for end in chunk])
        prediction = member.predict(windows.to(input_dtype), mouse_index).float().numpy()
        for end, output in zip(chunk, prediction):
            indexes = plan.indexes(end)
            responses[:, indexes] += output
            counts[indexes] += 1.0
    responses /= np.clip(counts, 1.0, None)
    return responses


def predict_clip(ensemble: Ensemble, mouse_id: str, video: np.ndarray, behavior: np.ndarray,
                 pupil_center: np.ndarray, batch_size: int = 1,
                 member_outputs: Optional[list] = None) -> np.ndarray:
    """(neurons, frames) float32: the ensemble mean for one mouse."""
    mouse_index = ensemble.mouse_index(mouse_id)
    length = check_clip(ensemble, video, behavior, pupil_center)
    geometry = ensemble.manifest["input"]
    inputs = torch.from_numpy(stack_inputs(video[..., :length], behavior[..., :length],
                                           pupil_center[..., :length],
                                           size=(geometry["width"], geometry["height"]),
                                           pad_fill_value=geometry.get("pad_fill_value", 0.0)))
    plan = plan_of(ensemble)
    outputs = [predict_member(member, inputs, mouse_index, ensemble.neurons(mouse_index), plan, batch_size,
                              input_dtype=ensemble.input_dtype(i))
               for i, member in enumerate(ensemble.members)]
    if member_outputs is not None:
        member_outputs.extend(outputs)
    return np.mean(outputs, axis=0).astype(np.float32)
