package dwiseneuro.serve.api;

import org.eclipse.microprofile.openapi.annotations.media.DiscriminatorMapping;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import dwiseneuro.serve.experiments.mei.MostExcitingSpec;
import dwiseneuro.serve.experiments.rf.ReceptiveFieldsSpec;
import dwiseneuro.serve.experiments.tuning.DirectionTuningSpec;
import dwiseneuro.serve.experiments.tuning.FrequencyTuningSpec;
import dwiseneuro.serve.experiments.tuning.SizeTuningSpec;

/**
 * The OpenAPI schema of an experiment spec, the body of POST /v1/mice/{id}/experiments: a JSON object whose
 * {@code type} chooses the experiment type and whose other keys that type defines. Each type's spec record
 * plugs in here: list it in {@code oneOf} and map its type name in {@code discriminatorMapping}, e.g.
 * {@code oneOf = {DirectionTuningSpec.class, ...}, discriminatorProperty = "type", discriminatorMapping =
 * {@DiscriminatorMapping(value = "direction_tuning", schema = DirectionTuningSpec.class), ...}}; the record
 * carries its keys' descriptions and a working example. The service itself reads the body as JSON and hands
 * it to the type (ExperimentType.parse), which answers 422 naming the field for a bad spec.
 */
@Schema(name = "ExperimentSpec", description = "An experiment spec: 'type' chooses the experiment, the other keys are "
        + "that type's (see the type's schema)", requiredProperties = "type", additionalProperties = Schema.True.class,
        oneOf = {DirectionTuningSpec.class, FrequencyTuningSpec.class, SizeTuningSpec.class, ReceptiveFieldsSpec.class,
            MostExcitingSpec.class},
        discriminatorProperty = "type", discriminatorMapping = {
            @DiscriminatorMapping(value = "direction_tuning", schema = DirectionTuningSpec.class),
            @DiscriminatorMapping(value = "frequency_tuning", schema = FrequencyTuningSpec.class),
            @DiscriminatorMapping(value = "size_tuning", schema = SizeTuningSpec.class),
            @DiscriminatorMapping(value = "receptive_fields", schema = ReceptiveFieldsSpec.class),
            @DiscriminatorMapping(value = "most_exciting", schema = MostExcitingSpec.class)})
public record ExperimentSpec(
        @Schema(description = "The experiment type: direction_tuning, frequency_tuning, size_tuning, receptive_fields, "
                + "most_exciting (those this service runs)", example = "direction_tuning") String type) {
}
