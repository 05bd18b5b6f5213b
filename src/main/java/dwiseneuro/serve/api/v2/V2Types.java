package dwiseneuro.serve.api.v2;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** JSON shapes of the Open Inference Protocol v2 (KServe / Triton REST). */
public final class V2Types {

    private V2Types() {
    }

    @Schema(name = "V2Error", description = "Open Inference Protocol error response")
    public record Error(@Schema(example = "unknown model 'x'; this server serves 'demo'") String error) {
    }

    @Schema(name = "V2Live")
    public record Live(@Schema(example = "true") boolean live) {
    }

    @Schema(name = "V2Ready")
    public record Ready(@Schema(example = "true") boolean ready) {
    }

    @Schema(name = "V2ModelReady")
    public record ModelReady(@Schema(example = "demo") String name, @Schema(example = "true") boolean ready) {
    }

    @Schema(name = "V2ServerMetadata")
    public record ServerMetadata(@Schema(example = "dwiseneuro-serve") String name, @Schema(example = "0.1.0") String version,
                                 List<String> extensions) {
    }

    @Schema(name = "V2MetadataTensor")
    public record MetadataTensor(@Schema(example = "video") String name, @Schema(example = "FP32") String datatype,
                                 @Schema(description = "-1 for a dimension of any size", example = "[36, 64, -1]") List<Long> shape) {
    }

    @Schema(name = "V2ModelMetadata")
    public record ModelMetadata(@Schema(example = "demo") String name, List<String> versions,
                                @Schema(example = "pytorch_torchscript") String platform,
                                List<MetadataTensor> inputs, List<MetadataTensor> outputs) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(name = "V2ResponseOutput")
    public record ResponseOutput(@Schema(example = "responses") String name, @Schema(example = "[37, 40]") List<Integer> shape,
                                 @Schema(example = "FP32") String datatype,
                                 @Schema(description = "binary_data_size (bytes) when the values follow the JSON as binary data")
                                 Map<String, Object> parameters,
                                 @Schema(description = "The values in row-major order, flattened (absent for binary data)") float[] data) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(name = "V2InferenceResponse")
    public record InferenceResponse(@JsonProperty("model_name") @Schema(example = "demo") String modelName,
                                    @JsonProperty("model_version") String modelVersion,
                                    @Schema(description = "The request's id, echoed") String id,
                                    @Schema(description = "mouse, frames, fps, members, unit_ids (when known) and preprocessing notes")
                                    Map<String, Object> parameters,
                                    List<ResponseOutput> outputs) {
    }

    @Schema(name = "V2RequestInput", description = "One input tensor")
    public record RequestInput(@Schema(example = "video", enumeration = {"video", "behavior", "pupil_center"}) String name,
                               @Schema(example = "[36, 64, 40]") List<Integer> shape,
                               @Schema(example = "UINT8", enumeration = {"UINT8", "FP16", "FP32", "FP64"}) String datatype,
                               @Schema(description = "binary_data_size: the tensor's size in bytes when its values follow the "
                                       + "JSON as binary data (then 'data' is left out)", example = "{\"binary_data_size\": 92160}")
                               Map<String, Object> parameters,
                               @Schema(description = "Values in row-major order, flat or nested; NaN as NaN or null") List<Object> data) {
    }

    @Schema(name = "V2InferenceRequest", description = "Open Inference Protocol inference request. parameters.mouse names the "
            + "mouse (optional when the ensemble has one). behavior and pupil_center may be left out when the manifest has "
            + "the mouse's training means.")
    public record InferenceRequestDoc(@Schema(description = "Echoed in the response") String id,
                                      @Schema(example = "{\"mouse\": \"demo-mouse-1\"}") Map<String, Object> parameters,
                                      List<RequestInput> inputs,
                                      @Schema(description = "Requested outputs; only 'responses' exists. "
                                              + "{\"name\": \"responses\", \"parameters\": {\"binary_data\": true}} asks for binary data")
                                      List<Map<String, Object>> outputs) {
    }
}
