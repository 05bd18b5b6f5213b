package dwiseneuro.serve.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.apps.Deployment;

/**
 * Negative controls: the strict parsing of ManifestsTest rejects what the API server would reject.
 * Each case takes a real rendered object, breaks one thing and expects the error to name it.
 */
class StrictModelTest {

    private static ObjectNode rendered(String overlay, String kind) {
        return StrictModel.documents(Kustomize.render(overlay)).stream()
                .filter(d -> kind.equals(d.path("kind").asText())).findFirst().orElseThrow().deepCopy();
    }

    private static ObjectNode container(ObjectNode deployment) {
        return (ObjectNode) deployment.path("spec").path("template").path("spec").path("containers").get(0);
    }

    @Test
    void theUnbrokenDeploymentParses() {
        Deployment d = (Deployment) StrictModel.parse(rendered("gke", "Deployment"));
        assertEquals("dwiseneuro-serve", d.getMetadata().getName());
    }

    @Test
    void unknownNestedFieldIsRejectedWithItsPath() {
        ObjectNode d = rendered("gke", "Deployment");
        ((ObjectNode) container(d).path("securityContext")).put("readOnlyRootFileSystem", true); // typo: FileSystem
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StrictModel.parse(d));
        assertTrue(e.getMessage().contains("securityContext.readOnlyRootFileSystem"), e.getMessage());
    }

    @Test
    void unknownTopLevelAndMetadataFieldsAreRejected() {
        ObjectNode d = rendered("gke", "Deployment");
        d.put("status2", "x");
        ((ObjectNode) d.path("metadata")).put("label", "x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StrictModel.parse(d));
        assertTrue(e.getMessage().contains("status2") && e.getMessage().contains("metadata.label"), e.getMessage());
    }

    @Test
    void scalarsAreNotCoerced() {
        ObjectNode d = rendered("gke", "Deployment");
        ((ObjectNode) container(d).path("securityContext")).put("runAsNonRoot", "true");
        assertThrows(IllegalArgumentException.class, () -> StrictModel.parse(d));
        ObjectNode d2 = rendered("gke", "Deployment");
        ((ObjectNode) container(d2).path("startupProbe")).put("failureThreshold", "90");
        assertThrows(IllegalArgumentException.class, () -> StrictModel.parse(d2));
        ObjectNode d3 = rendered("gke", "Deployment");
        ((ObjectNode) d3.path("spec").path("template").path("metadata").path("labels")).put("version", 2);
        assertThrows(IllegalArgumentException.class, () -> StrictModel.parse(d3));
    }

    @Test
    void wrongShapeIsRejected() {
        ObjectNode d = rendered("gke", "Deployment");
        ((ObjectNode) d.path("spec").path("template").path("spec")).put("tolerations", "nvidia.com/gpu");
        assertThrows(IllegalArgumentException.class, () -> StrictModel.parse(d));
    }

    @Test
    void kindsOutsideTheModelAreRejected() {
        ObjectNode so = rendered("gke", "ScaledObject");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StrictModel.parse(so));
        assertTrue(e.getMessage().contains("not a kind of the Kubernetes model"), e.getMessage());
    }

    @Test
    void scaledObjectModelRejectsUnknownFieldsTypesEnumsAndMissingFields() {
        KedaScaledObject ok = KedaScaledObject.parse(rendered("gke", "ScaledObject"));
        assertEquals("dwiseneuro-serve", ok.spec().scaleTargetRef().name());

        ObjectNode unknown = rendered("gke", "ScaledObject");
        ((ObjectNode) unknown.path("spec").path("triggers").get(0)).put("metricsType", "Value"); // typo
        assertRejected(unknown, "metricsType");

        ObjectNode badEnum = rendered("gke", "ScaledObject");
        ((ObjectNode) badEnum.path("spec").path("triggers").get(0)).put("metricType", "Average");
        assertRejected(badEnum, "Average");

        ObjectNode badType = rendered("gke", "ScaledObject");
        ((ObjectNode) badType.path("spec")).put("maxReplicaCount", "8");
        assertRejected(badType, "maxReplicaCount");

        ObjectNode missing = rendered("gke", "ScaledObject");
        ((ObjectNode) missing.path("spec")).remove("scaleTargetRef");
        assertRejected(missing, "scaleTargetRef");

        ObjectNode cel = rendered("gke", "ScaledObject");
        ((ObjectNode) cel.path("spec")).put("minReplicaCount", 9);
        assertRejected(cel, "minReplicaCount must be less than or equal to maxReplicaCount");

        ObjectNode behavior = rendered("gke", "ScaledObject");
        ((ObjectNode) behavior.path("spec").path("advanced").path("horizontalPodAutoscalerConfig").path("behavior")
                .path("scaleDown")).put("stabilisationWindowSeconds", 600); // British spelling: unknown to the HPA
        assertRejected(behavior, "stabilisationWindowSeconds");

        ObjectNode version = rendered("gke", "ScaledObject");
        version.put("apiVersion", "keda.sh/v1");
        assertRejected(version, "keda.sh/v1");
    }

    private static void assertRejected(ObjectNode doc, String mention) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KedaScaledObject.parse(doc));
        assertTrue(e.getMessage().contains(mention), "error does not name " + mention + ": " + e.getMessage());
    }

    @Test
    void prometheusOperatorObjectsParseStrictly() {
        StrictModel.parse(rendered("gke", "ServiceMonitor"));
        StrictModel.parse(rendered("gke", "PrometheusRule"));

        ObjectNode sm = rendered("gke", "ServiceMonitor");
        ((ObjectNode) sm.path("spec").path("endpoints").get(0)).put("scrapeIntervall", "15s");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StrictModel.parse(sm));
        assertTrue(e.getMessage().contains("scrapeIntervall"), e.getMessage());

        ObjectNode rule = rendered("gke", "PrometheusRule");
        ((ObjectNode) rule.path("spec").path("groups").get(0).path("rules").get(0)).put("severity", "warning");
        e = assertThrows(IllegalArgumentException.class, () -> StrictModel.parse(rule));
        assertTrue(e.getMessage().contains("severity"), e.getMessage());

        ObjectNode forNumber = rendered("gke", "PrometheusRule");
        ((ObjectNode) forNumber.path("spec").path("groups").get(0).path("rules").get(0)).put("for", 10);
        assertThrows(IllegalArgumentException.class, () -> StrictModel.parse(forNumber));
    }
}
