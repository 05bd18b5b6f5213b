package dwiseneuro.serve.experiments.protocol;

import java.util.LinkedHashMap;
import java.util.Map;

import dwiseneuro.serve.clip.Clip;
import dwiseneuro.serve.clip.WindowPlan;
import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.experiments.display.DisplayGeometry;
import dwiseneuro.serve.experiments.display.DisplayReport;
import dwiseneuro.serve.experiments.stimulus.Stimulus;
import dwiseneuro.serve.experiments.stimulus.StimulusVideo;

/**
 * What every clip of one experiment shares: the mouse, the display, the gray level, the mouse's
 * constant behavior, the frame rate and the model's window.
 */
public record Protocol(Manifest.Mouse mouse, DisplayGeometry display, Luminance luminance, Behavior behavior,
                       int fps, WindowPlan plan) {

    public static Protocol of(Manifest manifest, Manifest.Mouse mouse, Luminance luminance, Behavior behavior) {
        return new Protocol(mouse, DisplayGeometry.of(manifest), luminance, behavior, manifest.input().fps(),
                manifest.frameStack().plan());
    }

    public StimulusVideo render(Stimulus stimulus) {
        return StimulusVideo.render(stimulus, display.height(), display.width());
    }

    /** The clip that shows {@code video} to the mouse with the protocol's behavior. */
    public Clip clip(StimulusVideo video) {
        int frames = video.frames();
        return new Clip(video.height(), video.width(), frames, video.values(), behavior.behaviorTrace(frames),
                behavior.pupilCenterTrace(frames));
    }

    /** Windows the model runs for a clip of {@code frames} frames. */
    public long windows(int frames) {
        return plan.windowCount(frames);
    }

    public Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mouse", mouse.id());
        out.put("neurons", mouse.neurons());
        out.putAll(luminance.describe());
        out.putAll(behavior.describe());
        out.put("display", DisplayReport.of(display));
        return out;
    }
}
