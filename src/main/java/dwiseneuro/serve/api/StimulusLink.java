package dwiseneuro.serve.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

@Schema(name = "Stimulus", description = "One stimulus clip of an experiment, in the order shown, as .npy and .mp4")
public record StimulusLink(
        @Schema(description = "Stimulus name", example = "trial_000") String name,
        @Schema(description = "float32 (36, 64, frames), raw 0..255", example = "/v1/experiments/3f2b9c1e-8a4d-4e0b-9a57-2d51c0b7e6a1/stimuli/trial_000.npy")
        String npy,
        @Schema(description = "Lossless gray MP4 (a PNG per frame) at the model's frame rate", example = "/v1/experiments/3f2b9c1e-8a4d-4e0b-9a57-2d51c0b7e6a1/stimuli/trial_000.mp4")
        String mp4) {
}
