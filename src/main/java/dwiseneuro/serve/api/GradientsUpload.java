package dwiseneuro.serve.api;

import java.util.Set;

import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.jboss.resteasy.reactive.PartType;
import org.jboss.resteasy.reactive.RestForm;

/** The multipart upload of POST /v1/mice/{id}/gradients: the /responses clip plus the objective. */
@Schema(name = "GradientsUpload", description = "A clip as for /responses, plus the part 'objective'")
public class GradientsUpload extends ResponsesUpload {

    @RestForm("objective")
    @PartType("text/plain")
    @Schema(implementation = GradientObjective.class, description = "The objective as JSON text, e.g. "
            + "{\"neurons\": [0, 3], \"frames\": \"30:\", \"weights\": [1.0, -0.5]}")
    public String objective;

    @Override
    Set<String> extraParts() {
        return Set.of("objective");
    }
}
