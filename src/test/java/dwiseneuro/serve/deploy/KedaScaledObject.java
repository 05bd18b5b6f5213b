package dwiseneuro.serve.deploy;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;

/**
 * A strict model of KEDA's ScaledObject (keda.sh/v1alpha1), written for this project from KEDA's
 * CustomResourceDefinition (KEDA 2.20): fabric8 has no KEDA model and no Maven artifact carries one.
 * It knows the fields of the CRD that a ScaledObject of this project may use, with their types,
 * required fields and enums; anything else is an error (stricter than the API server for fields left
 * out, never looser for fields modelled). The HPA behavior is fabric8's own autoscaling/v2 type, which
 * is what KEDA embeds. The CRD's one CEL rule (minReplicaCount <= maxReplicaCount) is checked here.
 */
record KedaScaledObject(String apiVersion, String kind, ObjectMeta metadata, Spec spec) {

    KedaScaledObject {
        require("keda.sh/v1alpha1".equals(apiVersion), "apiVersion " + apiVersion + " (KEDA serves keda.sh/v1alpha1)");
        require("ScaledObject".equals(kind), "kind " + kind);
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(spec, "spec");
    }

    record Spec(ScaleTargetRef scaleTargetRef, Integer pollingInterval, Integer cooldownPeriod, Integer initialCooldownPeriod,
            Integer idleReplicaCount, Integer minReplicaCount, Integer maxReplicaCount, Advanced advanced, Fallback fallback,
            List<Trigger> triggers) {
        Spec {
            Objects.requireNonNull(scaleTargetRef, "spec.scaleTargetRef is required");
            require(triggers != null && !triggers.isEmpty(), "spec.triggers is required");
            int min = minReplicaCount == null ? 0 : minReplicaCount;
            int max = maxReplicaCount == null ? 100 : maxReplicaCount;
            require(min <= max, "minReplicaCount must be less than or equal to maxReplicaCount (CEL rule of the CRD)");
            for (Integer n : new Integer[] {pollingInterval, cooldownPeriod, initialCooldownPeriod, idleReplicaCount, minReplicaCount,
                    maxReplicaCount}) {
                require(n == null || n >= 0, "negative count in spec");
            }
        }
    }

    record ScaleTargetRef(String apiVersion, String kind, String name, String envSourceContainerName) {
        ScaleTargetRef {
            Objects.requireNonNull(name, "scaleTargetRef.name is required");
        }
    }

    record Advanced(HorizontalPodAutoscalerConfig horizontalPodAutoscalerConfig, Boolean restoreToOriginalReplicaCount) {
    }

    record HorizontalPodAutoscalerConfig(String name, HorizontalPodAutoscalerBehavior behavior) {
    }

    enum FallbackBehavior {
        STATIC("static"), CURRENT_REPLICAS("currentReplicas"), CURRENT_REPLICAS_IF_HIGHER("currentReplicasIfHigher"),
        CURRENT_REPLICAS_IF_LOWER("currentReplicasIfLower");

        private final String value;

        FallbackBehavior(String value) {
            this.value = value;
        }

        @JsonValue
        String value() {
            return value;
        }

        @JsonCreator
        static FallbackBehavior of(String v) {
            for (FallbackBehavior b : values()) {
                if (b.value.equals(v)) {
                    return b;
                }
            }
            throw new IllegalArgumentException("fallback.behavior " + v + " is not one of static, currentReplicas, ...");
        }
    }

    record Fallback(Integer failureThreshold, Integer replicas, FallbackBehavior behavior) {
        Fallback {
            Objects.requireNonNull(failureThreshold, "fallback.failureThreshold is required");
            Objects.requireNonNull(replicas, "fallback.replicas is required");
        }
    }

    enum MetricType {
        AverageValue, Value, Utilization
    }

    record AuthenticationRef(String name, String kind) {
        AuthenticationRef {
            Objects.requireNonNull(name, "authenticationRef.name is required");
        }
    }

    record Trigger(String type, String name, Map<String, String> metadata, MetricType metricType, Boolean useCachedMetrics,
            AuthenticationRef authenticationRef) {
        Trigger {
            require(type != null && !type.isEmpty(), "trigger type is required");
            Objects.requireNonNull(metadata, "trigger metadata is required");
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    private static final ObjectMapper MAPPER = mapper();

    private static ObjectMapper mapper() {
        JsonMapper m = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .build();
        for (LogicalType t : new LogicalType[] {LogicalType.Integer, LogicalType.Float, LogicalType.Boolean, LogicalType.Enum}) {
            m.coercionConfigFor(t).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        }
        m.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        return m;
    }

    /** Parses strictly: unknown fields, wrong types, missing required fields and enum values fail. */
    static KedaScaledObject parse(ObjectNode doc) {
        String id = "ScaledObject/" + doc.path("metadata").path("name").asText();
        KedaScaledObject so;
        try {
            so = MAPPER.treeToValue(doc, KedaScaledObject.class);
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
            String where = e.getPath().stream().map(r -> r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]")
                    .reduce("", String::concat);
            throw new IllegalArgumentException(id + where + ": " + e.getOriginalMessage().lines().findFirst().orElse(""), e);
        } catch (Exception e) {
            throw new IllegalArgumentException(id + ": " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        // fabric8 parts (metadata, HPA behavior) keep unknown fields aside instead of failing.
        List<String> unknown = new ArrayList<>();
        StrictModel.walk(so.metadata(), id + ".metadata", unknown, new IdentityHashMap<>());
        if (so.spec().advanced() != null && so.spec().advanced().horizontalPodAutoscalerConfig() != null) {
            StrictModel.walk(so.spec().advanced().horizontalPodAutoscalerConfig().behavior(),
                    id + ".spec.advanced.horizontalPodAutoscalerConfig.behavior", unknown, new IdentityHashMap<>());
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("fields the model does not know: " + unknown);
        }
        List<String> changed = new ArrayList<>();
        StrictModel.diff(doc, MAPPER.valueToTree(so), id, changed);
        if (!changed.isEmpty()) {
            throw new IllegalArgumentException("values read differently: " + changed);
        }
        return so;
    }

    JsonNode tree() {
        return MAPPER.valueToTree(this);
    }
}
