package dwiseneuro.serve.batching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dwiseneuro.serve.Readiness;
import dwiseneuro.serve.clip.Clip;
import dwiseneuro.serve.ensemble.Ensemble;
import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.testing.SampleClip;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The answer (what the resources pass to thenAnswer: JSON, PNG or .npy encoding) is built on the
 * completion executor, never on the device worker's thread, which must go on to the next batch.
 */
@QuarkusTest
class CompletionThreadTest {

    @Inject
    InferenceScheduler scheduler;

    @Inject
    Ensemble ensemble;

    @BeforeEach
    void ready() {
        Readiness.awaitReady();
    }

    @Test
    void theAnswerIsNotBuiltOnADeviceWorkerThread() throws Exception {
        Manifest.Mouse mouse = ensemble.mouse("demo-mouse-1").orElseThrow();
        // 50 windows in two batches: the answer function is registered long before the clip completes.
        int frames = 80;
        Clip clip = new Clip(SampleClip.HEIGHT, SampleClip.WIDTH, frames, SampleClip.videoValues(frames),
                SampleClip.traceValues("behavior", frames), SampleClip.traceValues("pupil_center", frames));
        String[] answer = scheduler.submit(clip, mouse, Duration.ofMinutes(3))
                .thenAnswer(values -> new String[] {Thread.currentThread().getName(), Integer.toString(values.length)})
                .toCompletableFuture().get(4, TimeUnit.MINUTES);
        System.out.println("the answer was built on thread " + answer[0]);
        assertEquals(Integer.toString(mouse.neurons() * frames), answer[1]);
        assertTrue(answer[0].startsWith("inference-completion-"), "built on " + answer[0]);
    }
}
