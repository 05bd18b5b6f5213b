package dwiseneuro.serve.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dwiseneuro.serve.experiments.display.DisplayGeometry;
import dwiseneuro.serve.experiments.display.DisplayReport;

/** How the served ensemble's video frame maps to visual angle: what experiments' degrees mean. */
@Path("/v1/display")
@Tag(name = "experiments", description = "In-silico experiments: stimuli in visual degrees, tuning and receptive fields")
public class DisplayResource {

    private final ServingState state;

    public DisplayResource(ServingState state) {
        this.state = state;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The display geometry",
            description = "The screen the 36 x 64 frame stands for (the manifest's display block, or the Sensorium 2023 rig: "
                    + "56.5 x 31.8 cm at 15 cm) and the exact mapping from pixels to azimuth and elevation that experiments "
                    + "use: degrees per pixel at the centre and at the edges, the spatial frequency limit, and with "
                    + "maps=true every pixel's azimuth and elevation.")
    @APIResponse(responseCode = "200", description = "The geometry",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = DisplayReport.class)))
    @APIResponse(responseCode = "503", description = "The ensemble is not ready",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public DisplayReport display(
            @Parameter(description = "Include per-pixel azimuth_deg and elevation_deg (rows x columns)", example = "false")
            @QueryParam("maps") boolean maps) {
        return DisplayReport.of(DisplayGeometry.of(state.readyManifest()), maps);
    }
}
