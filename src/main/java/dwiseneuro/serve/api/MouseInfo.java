package dwiseneuro.serve.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

@Schema(name = "Mouse", description = "A mouse the ensemble has a readout for")
public record MouseInfo(
        @Schema(description = "Mouse id, as used in /v1/mice/{id}/responses", example = "demo-mouse-1") String id,
        @Schema(description = "Readout index in the model", example = "0") int index,
        @Schema(description = "Number of neurons predicted for this mouse", example = "37") int neurons) {
}
