package dwiseneuro.serve.deploy;

import java.beans.Introspector;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Strict parsing of rendered manifests.
 *
 * <p>Kubernetes kinds go into fabric8's Kubernetes model. fabric8 keeps unknown fields in an
 * "additionalProperties" map instead of failing, so after parsing every object of the model is
 * walked and any additionalProperties entry is an error, with its path. Scalars are not coerced
 * ("true" is not a boolean, "1" not an integer), as the API server does not coerce them either.
 *
 * <p>ServiceMonitor and PrometheusRule come from fabric8's Prometheus Operator model
 * (openshift-model-monitoring); KEDA's ScaledObject, which no fabric8 artifact models, is parsed by
 * {@link KedaScaledObject}.
 */
final class StrictModel {

    static final YAMLMapper YAML = new YAMLMapper();
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization(strictMapper(), true);

    private StrictModel() {
    }

    private static ObjectMapper strictMapper() {
        JsonMapper mapper = JsonMapper.builder()
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .build();
        // Jackson lets strings become numbers even with ALLOW_COERCION_OF_SCALARS off: forbid it per type.
        for (LogicalType t : new LogicalType[] {LogicalType.Integer, LogicalType.Float, LogicalType.Boolean}) {
            mapper.coercionConfigFor(t).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        }
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        return mapper;
    }

    /** The documents of a multi-document YAML stream. */
    static List<ObjectNode> documents(String yaml) {
        try {
            List<ObjectNode> docs = new ArrayList<>();
            for (JsonNode n : YAML.readValues(YAML.createParser(yaml), JsonNode.class).readAll()) {
                if (n == null || n.isNull() || n.isMissingNode()) {
                    continue;
                }
                if (!n.isObject()) {
                    throw new IllegalArgumentException("a document is not an object: " + n);
                }
                docs.add((ObjectNode) n);
            }
            return docs;
        } catch (IOException e) {
            throw new IllegalArgumentException("not YAML: " + e.getMessage(), e);
        }
    }

    /** A Kubernetes object of the core model, or an exception naming every field the model does not know. */
    static HasMetadata parse(ObjectNode doc) {
        String id = doc.path("kind").asText() + "/" + doc.path("metadata").path("name").asText();
        KubernetesResource resource;
        try {
            resource = SERIALIZATION.convertValue(doc, KubernetesResource.class);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(id + ": " + e.getMessage(), e);
        }
        if (resource instanceof GenericKubernetesResource || !(resource instanceof HasMetadata)) {
            throw new IllegalArgumentException(id + ": " + doc.path("apiVersion").asText()
                    + " is not a kind of the Kubernetes model");
        }
        List<String> unknown = new ArrayList<>();
        walk(resource, id, unknown, new IdentityHashMap<>());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("fields the Kubernetes model does not know: " + unknown);
        }
        // Jackson still coerces some nested scalars ("90" into an Integer inside fabric8's beans): what
        // the model writes back must be what was read, value for value and type for type.
        List<String> changed = new ArrayList<>();
        diff(doc, SERIALIZATION.convertValue(resource, JsonNode.class), id, changed);
        if (!changed.isEmpty()) {
            throw new IllegalArgumentException("values the Kubernetes model reads differently: " + changed);
        }
        return (HasMetadata) resource;
    }

    static void diff(JsonNode in, JsonNode out, String path, List<String> changed) {
        if (in == null || out == null || in.isNull() || out.isNull()) {
            boolean inEmpty = in == null || in.isNull() || in.isContainerNode() && in.isEmpty();
            boolean outEmpty = out == null || out.isNull() || out.isContainerNode() && out.isEmpty();
            if (inEmpty != outEmpty) {
                changed.add(path + ": " + in + " became " + out);
            }
            return;
        }
        if (in.isObject() && out.isObject()) {
            java.util.Set<String> keys = new java.util.TreeSet<>();
            in.fieldNames().forEachRemaining(keys::add);
            out.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) {
                diff(in.get(k), out.get(k), path + "." + k, changed);
            }
        } else if (in.isArray() && out.isArray()) {
            if (in.size() != out.size()) {
                changed.add(path + ": " + in.size() + " items became " + out.size());
                return;
            }
            for (int i = 0; i < in.size(); i++) {
                diff(in.get(i), out.get(i), path + "[" + i + "]", changed);
            }
        } else if (in.isNumber() && out.isNumber()) {
            if (in.decimalValue().compareTo(out.decimalValue()) != 0) {
                changed.add(path + ": " + in + " became " + out);
            }
        } else if (in.getNodeType() != out.getNodeType() || !in.equals(out)) {
            changed.add(path + ": " + in.getNodeType() + " " + in + " became " + out.getNodeType() + " " + out);
        }
    }

    static void walk(Object o, String path, List<String> unknown, IdentityHashMap<Object, Boolean> seen) {
        if (o == null || seen.put(o, Boolean.TRUE) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                walk(e, path + "[" + i++ + "]", unknown, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                walk(e.getValue(), path + "." + e.getKey(), unknown, seen);
            }
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || m.getDeclaringClass() == Object.class
                    || !(m.getName().startsWith("get") || m.getName().startsWith("is"))) {
                continue;
            }
            Object value;
            try {
                value = m.invoke(o);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            if (m.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    for (Object key : extra.keySet()) {
                        unknown.add(path + "." + key);
                    }
                }
                continue;
            }
            String name = Introspector.decapitalize(m.getName().substring(m.getName().startsWith("is") ? 2 : 3));
            walk(value, path + "." + name, unknown, seen);
        }
    }
}
