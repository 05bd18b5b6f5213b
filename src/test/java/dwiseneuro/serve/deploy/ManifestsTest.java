package dwiseneuro.serve.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;


import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;

/**
 * Every kustomization of k8s/overlays renders with kubectl kustomize and every object parses
 * strictly (Rendered), and what matters about it holds: the GPU limit, the taint tolerations and the
 * accelerator node labels of each cloud, the probes, the security context, images, volumes, and the
 * references between objects (selectors, the autoscaler's target and query, the export Job's output).
 */
class ManifestsTest {

    static final String SERVE = "dwiseneuro-serve";

    static Stream<String> overlays() {
        return Kustomize.OVERLAYS.stream();
    }

    static Stream<String> serviceOverlays() {
        return Kustomize.OVERLAYS.stream().filter(o -> !o.endsWith("/training"));
    }

    static Stream<String> trainingOverlays() {
        return Kustomize.OVERLAYS.stream().filter(o -> o.endsWith("/training"));
    }

    static Stream<String> gpuServiceOverlays() {
        return Stream.of("gke", "eks", "aks");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void rendersAndParsesStrictly(String overlay) {
        Rendered r = Rendered.of(overlay);
        assertFalse(r.objects.isEmpty(), overlay + " renders nothing");
        for (HasMetadata o : r.objects) {
            if (!"Namespace".equals(o.getKind())) {
                assertEquals(Rendered.NAMESPACE, o.getMetadata().getNamespace(), overlay + ": " + o.getKind() + " namespace");
            }
            assertEquals("dwiseneuro", o.getMetadata().getLabels().get("app.kubernetes.io/part-of"), o.getKind() + " part-of label");
        }
        for (KedaScaledObject so : r.scaledObjects) {
            assertEquals(Rendered.NAMESPACE, so.metadata().getNamespace(), overlay + ": ScaledObject namespace");
            assertEquals("dwiseneuro", so.metadata().getLabels().get("app.kubernetes.io/part-of"), "ScaledObject part-of label");
        }
        Set<String> kinds = new java.util.TreeSet<>();
        r.objects.forEach(o -> kinds.add(o.getKind()));
        r.scaledObjects.forEach(o -> kinds.add(o.kind()));
        Set<String> expected = r.training()
                ? Set.of("Job", "PersistentVolumeClaim")
                : r.gpu()
                        ? Set.of("Namespace", "ServiceAccount", "ConfigMap", "PersistentVolumeClaim", "Deployment", "Service",
                                "PodDisruptionBudget", "ServiceMonitor", "PrometheusRule", "ScaledObject")
                        : Set.of("Namespace", "ServiceAccount", "ConfigMap", "PersistentVolumeClaim", "Deployment", "Service",
                                "PodDisruptionBudget");
        assertEquals(new java.util.TreeSet<>(expected), kinds, overlay + " kinds");
    }

    // ---------------------------------------------------------------- GPU scheduling

    @ParameterizedTest
    @MethodSource("serviceOverlays")
    void serviceGpuLimitTolerationsAndNodeSelection(String overlay) {
        Rendered r = Rendered.of(overlay);
        PodSpec pod = r.one(Deployment.class, SERVE).getSpec().getTemplate().getSpec();
        Container serve = container(pod, "serve");
        if (r.gpu()) {
            assertGpu(serve, overlay);
            assertGpuScheduling(pod, r.cloud(), Set.of("nvidia-l4"), Set.of("l4", "a10g"), overlay);
            assertFalse(serve.getImage().endsWith("-cpu"), "GPU overlay with the CPU image: " + serve.getImage());
        } else {
            assertNoGpu(pod, overlay);
            assertTrue(serve.getImage().endsWith("-cpu"), "the CPU overlay needs the CPU image: " + serve.getImage());
        }
    }

    @ParameterizedTest
    @MethodSource("trainingOverlays")
    void trainingJobsRunOneFoldPerIndexOnTheGpu(String overlay) {
        Rendered r = Rendered.of(overlay);
        List<Job> trains = r.all(Job.class).stream().filter(j -> j.getMetadata().getName().startsWith("dwiseneuro-train-")).toList();
        assertEquals(r.gpu() ? 2 : 1, trains.size(), overlay + " training stages");
        for (Job job : trains) {
            String where = overlay + " " + job.getMetadata().getName();
            assertEquals("Indexed", job.getSpec().getCompletionMode(), where);
            assertEquals(r.gpu() ? 7 : 2, job.getSpec().getCompletions(), where + " completions (folds)");
            assertEquals("Never", job.getSpec().getTemplate().getSpec().getRestartPolicy(), where);
            PodSpec pod = job.getSpec().getTemplate().getSpec();
            Container train = container(pod, "train");
            EnvVar fold = train.getEnv().stream().filter(e -> e.getName().equals("FOLD")).findFirst().orElseThrow();
            assertEquals("metadata.annotations['batch.kubernetes.io/job-completion-index']",
                    fold.getValueFrom().getFieldRef().getFieldPath(), where + " FOLD is the completion index");
            List<String> args = train.getArgs();
            assertEquals("train", args.get(0), where);
            assertEquals("$(FOLD)", args.get(args.indexOf("--folds") + 1), where);
            assertEquals(r.gpu() ? "cuda" : "cpu", args.get(args.indexOf("--device") + 1), where + " --device");
            assertEquals("/experiments/$(TRAIN_CONFIG)", args.get(args.indexOf("--out") + 1), where);
            assertEquals("/data", args.get(args.indexOf("--data") + 1), where);
            if (r.gpu()) {
                assertGpu(train, where);
                assertGpuScheduling(pod, r.cloud(), Set.of("nvidia-a100-80gb"), Set.of("l40s"), where);
            } else {
                assertNoGpu(pod, where);
            }
        }
        Job export = r.one(Job.class, "dwiseneuro-export");
        assertTrue(export.getSpec().getSuspend(), "the export Job waits for training (suspended)");
        assertNoGpu(export.getSpec().getTemplate().getSpec(), overlay + " export (CPU only)");
        if (r.gpu()) {
            assertTrue(r.one(Job.class, "dwiseneuro-train-stage2").getSpec().getSuspend(), "stage 2 waits for stage 1");
            assertFalse(Boolean.TRUE.equals(r.one(Job.class, "dwiseneuro-train-stage1").getSpec().getSuspend()));
        }
    }

    private static void assertGpu(Container c, String where) {
        Quantity gpu = c.getResources().getLimits().get("nvidia.com/gpu");
        assertNotNull(gpu, where + ": no nvidia.com/gpu limit");
        assertEquals("1", gpu.toString(), where + ": nvidia.com/gpu");
        // Extended resources may not be overcommitted: a request, if any, equals the limit.
        Quantity req = c.getResources().getRequests() == null ? null : c.getResources().getRequests().get("nvidia.com/gpu");
        assertTrue(req == null || req.equals(gpu), where + ": GPU request differs from limit");
    }

    private static void assertNoGpu(PodSpec pod, String where) {
        for (Container c : pod.getContainers()) {
            var limits = c.getResources().getLimits();
            assertTrue(limits == null || !limits.containsKey("nvidia.com/gpu"), where + ": asks for a GPU");
        }
        assertTrue(pod.getTolerations() == null || pod.getTolerations().isEmpty(), where + ": tolerations on CPU");
        assertTrue(pod.getNodeSelector() == null || pod.getNodeSelector().isEmpty(), where + ": node selector on CPU");
        assertTrue(pod.getAffinity() == null || pod.getAffinity().getNodeAffinity() == null, where + ": node affinity on CPU");
    }

    /** Each cloud's GPU taints and accelerator labels (see the comments of k8s/components/gpu-*). */
    private static void assertGpuScheduling(PodSpec pod, String cloud, Set<String> gkeAccelerators, Set<String> eksGpuNames,
            String where) {
        assertTrue(tolerates(pod, "nvidia.com/gpu", null), where + ": does not tolerate nvidia.com/gpu:NoSchedule");
        switch (cloud) {
            case "gke" -> {
                assertTrue(gkeAccelerators.contains(pod.getNodeSelector().get("cloud.google.com/gke-accelerator")),
                        where + ": cloud.google.com/gke-accelerator " + pod.getNodeSelector());
            }
            case "eks" -> {
                List<NodeSelectorTerm> terms = pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                        .getNodeSelectorTerms();
                assertEquals(3, terms.size(), where + ": Auto Mode, Karpenter and managed node group terms");
                assertTerm(terms.get(0), "eks.amazonaws.com/instance-gpu-manufacturer", Set.of("nvidia"), where);
                assertTerm(terms.get(0), "eks.amazonaws.com/instance-gpu-name", eksGpuNames, where);
                assertTerm(terms.get(1), "karpenter.k8s.aws/instance-gpu-manufacturer", Set.of("nvidia"), where);
                assertTerm(terms.get(1), "karpenter.k8s.aws/instance-gpu-name", eksGpuNames, where);
                NodeSelectorRequirement types = requirement(terms.get(2), "node.kubernetes.io/instance-type", where);
                assertTrue(types.getValues().stream().allMatch(t -> t.matches("(g5|g6|g6e|p4d|p5)\\.[0-9a-z]+")),
                        where + ": not GPU instance types " + types.getValues());
            }
            case "aks" -> {
                assertEquals("nvidia", pod.getNodeSelector().get("kubernetes.azure.com/accelerator"), where);
                assertTrue(tolerates(pod, "sku", "gpu"), where + ": does not tolerate AKS's sku=gpu:NoSchedule");
                NodeSelectorRequirement types = requirement(pod.getAffinity().getNodeAffinity()
                        .getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms().get(0),
                        "node.kubernetes.io/instance-type", where);
                assertTrue(types.getValues().stream().allMatch(t -> t.matches("Standard_N[CDV]\\w+")),
                        where + ": not Azure GPU sizes " + types.getValues());
            }
            default -> fail("unknown cloud " + cloud);
        }
    }

    private static boolean tolerates(PodSpec pod, String key, String value) {
        for (Toleration t : pod.getTolerations()) {
            boolean effect = t.getEffect() == null || "NoSchedule".equals(t.getEffect());
            boolean match = value == null
                    ? "Exists".equals(t.getOperator())
                    : ("Equal".equals(t.getOperator()) || t.getOperator() == null) && value.equals(t.getValue());
            if (key.equals(t.getKey()) && effect && match) {
                return true;
            }
        }
        return false;
    }

    private static void assertTerm(NodeSelectorTerm term, String key, Set<String> values, String where) {
        NodeSelectorRequirement r = requirement(term, key, where);
        assertEquals(values, Set.copyOf(r.getValues()), where + ": " + key);
    }

    private static NodeSelectorRequirement requirement(NodeSelectorTerm term, String key, String where) {
        return term.getMatchExpressions().stream().filter(e -> e.getKey().equals(key) && "In".equals(e.getOperator())).findFirst()
                .orElseThrow(() -> new AssertionError(where + ": no '" + key + " In' requirement in " + term));
    }

    // ---------------------------------------------------------------- probes, security, volumes

    @ParameterizedTest
    @MethodSource("serviceOverlays")
    void probesOnTheHealthEndpoints(String overlay) {
        Rendered r = Rendered.of(overlay);
        Container serve = container(r.one(Deployment.class, SERVE).getSpec().getTemplate().getSpec(), "serve");
        assertEquals(8080, serve.getPorts().stream().filter(p -> "http".equals(p.getName())).findFirst().orElseThrow().getContainerPort());
        assertProbe(serve.getStartupProbe(), "/q/health/started");
        assertProbe(serve.getReadinessProbe(), "/q/health/ready");
        assertProbe(serve.getLivenessProbe(), "/q/health/live");
        Probe startup = serve.getStartupProbe();
        int startupSeconds = startup.getPeriodSeconds() * startup.getFailureThreshold();
        assertTrue(startupSeconds >= 600, "startup probe allows " + startupSeconds + " s: loading 14 members takes minutes");
        Probe live = serve.getLivenessProbe();
        assertTrue(live.getPeriodSeconds() * live.getFailureThreshold() >= 60, "liveness must tolerate a long batch");
        int grace = r.one(Deployment.class, SERVE).getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds().intValue();
        assertTrue(grace >= 10 + 30 + 10, "grace period " + grace + " s < preStop 10 s + quarkus.shutdown.timeout 30 s + margin");
    }

    private static void assertProbe(Probe probe, String path) {
        assertNotNull(probe, "no probe on " + path);
        HTTPGetAction get = probe.getHttpGet();
        assertEquals(path, get.getPath());
        assertEquals("http", get.getPort().getStrVal());
        assertTrue(probe.getTimeoutSeconds() >= 1 && probe.getPeriodSeconds() >= 1);
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyPodIsNonRootReadOnlyWithoutPrivileges(String overlay) {
        Rendered r = Rendered.of(overlay);
        List<PodSpec> pods = new ArrayList<>();
        r.all(Deployment.class).forEach(d -> pods.add(d.getSpec().getTemplate().getSpec()));
        r.all(Job.class).forEach(j -> pods.add(j.getSpec().getTemplate().getSpec()));
        assertFalse(pods.isEmpty());
        for (PodSpec pod : pods) {
            PodSecurityContext psc = pod.getSecurityContext();
            assertEquals(Boolean.TRUE, psc.getRunAsNonRoot());
            assertTrue(psc.getRunAsUser() != null && psc.getRunAsUser() > 0, "runAsUser " + psc.getRunAsUser());
            assertTrue(psc.getRunAsGroup() != null && psc.getRunAsGroup() > 0);
            assertEquals("RuntimeDefault", psc.getSeccompProfile().getType());
            assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken(), "service account token mounted");
            assertNull(pod.getHostNetwork());
            assertNull(pod.getHostPID());
            assertNull(pod.getHostIPC());
            for (Volume v : pod.getVolumes()) {
                assertNull(v.getHostPath(), "hostPath volume " + v.getName());
            }
            assertTrue(pod.getInitContainers() == null || pod.getInitContainers().isEmpty());
            for (Container c : pod.getContainers()) {
                SecurityContext sc = c.getSecurityContext();
                String where = overlay + " container " + c.getName();
                assertEquals(Boolean.FALSE, sc.getAllowPrivilegeEscalation(), where);
                assertEquals(Boolean.TRUE, sc.getReadOnlyRootFilesystem(), where);
                assertEquals(Boolean.FALSE, sc.getPrivileged(), where);
                assertEquals(List.of("ALL"), sc.getCapabilities().getDrop(), where);
                assertTrue(sc.getCapabilities().getAdd() == null || sc.getCapabilities().getAdd().isEmpty(), where);
                // The root filesystem is read-only: /tmp must be a writable emptyDir.
                VolumeMount tmp = c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/tmp")).findFirst()
                        .orElseThrow(() -> new AssertionError(where + ": no writable /tmp"));
                Volume tmpVolume = pod.getVolumes().stream().filter(v -> v.getName().equals(tmp.getName())).findFirst().orElseThrow();
                assertNotNull(tmpVolume.getEmptyDir(), where + ": /tmp is not an emptyDir");
                assertNotNull(tmpVolume.getEmptyDir().getSizeLimit(), where + ": /tmp without sizeLimit");
                assertNotEquals(Boolean.TRUE, tmp.getReadOnly(), where);
                assertImagePinned(c.getImage(), where);
            }
        }
    }

    private static void assertNotEquals(Object unexpected, Object actual, String message) {
        org.junit.jupiter.api.Assertions.assertNotEquals(unexpected, actual, message);
    }

    private static void assertImagePinned(String image, String where) {
        Matcher m = Pattern.compile("^([^:@]+)(?::([^@]+))?(@sha256:[0-9a-f]{64})?$").matcher(image);
        assertTrue(m.matches(), where + ": image " + image);
        assertTrue(m.group(2) != null || m.group(3) != null, where + ": image without tag or digest: " + image);
        assertFalse("latest".equals(m.group(2)), where + ": image tag latest: " + image);
    }

    @ParameterizedTest
    @MethodSource("serviceOverlays")
    void serviceVolumesAndEnvironment(String overlay) {
        Rendered r = Rendered.of(overlay);
        Deployment d = r.one(Deployment.class, SERVE);
        PodSpec pod = d.getSpec().getTemplate().getSpec();
        Container serve = container(pod, "serve");
        VolumeMount models = serve.getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/models")).findFirst().orElseThrow();
        assertEquals(Boolean.TRUE, models.getReadOnly(), "the service mounts the ensembles read-only");
        Volume mv = pod.getVolumes().stream().filter(v -> v.getName().equals(models.getName())).findFirst().orElseThrow();
        assertEquals("dwiseneuro-models", mv.getPersistentVolumeClaim().getClaimName());
        r.one(PersistentVolumeClaim.class, "dwiseneuro-models");
        Map<String, String> env = serviceEnv(r);
        assertTrue(env.get("QUARKUS_HTTP_BODY_UPLOADS_DIRECTORY").startsWith("/tmp/"), "uploads must go to the writable /tmp");
        // Experiment results outlive the pod: the results directory is on its own writable claim.
        String results = env.get("DWISENEURO_EXPERIMENTS_RESULTS_DIR");
        VolumeMount resultsMount = serve.getVolumeMounts().stream().filter(m -> results != null && results.startsWith(m.getMountPath() + "/"))
                .findFirst().orElseThrow(() -> new AssertionError(overlay + ": DWISENEURO_EXPERIMENTS_RESULTS_DIR " + results
                        + " is on no volume mount"));
        assertNotEquals(Boolean.TRUE, resultsMount.getReadOnly(), "the results directory must be writable");
        Volume rv = pod.getVolumes().stream().filter(v -> v.getName().equals(resultsMount.getName())).findFirst().orElseThrow();
        assertEquals("dwiseneuro-experiment-results", rv.getPersistentVolumeClaim().getClaimName(), overlay + ": results volume");
        r.one(PersistentVolumeClaim.class, "dwiseneuro-experiment-results");
        // Exact float32 by default: no TF32 on the GPUs, and no opt-in (DWISENEURO_TF32=1) in the shipped overlays.
        assertEquals("0", env.get("NVIDIA_TF32_OVERRIDE"), overlay + ": TF32 not turned off");
        assertNull(env.get("DWISENEURO_TF32"), overlay + ": TF32 opted in");
        String models_dir = env.get("DWISENEURO_MODELS_DIR");
        assertTrue(r.gpu() ? models_dir.startsWith("/models/") : models_dir.equals("/opt/dwiseneuro/models/demo"),
                overlay + " DWISENEURO_MODELS_DIR " + models_dir);
        // Autoscaled Deployments leave replicas to the HPA.
        if (!r.scaledObjects.isEmpty()) {
            assertNull(d.getSpec().getReplicas(), "replicas set on an autoscaled Deployment");
        }
        assertEquals(0, d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal(),
                "a rollout must not take a serving pod away before its successor is warm");
    }

    /** The environment of the serve container: its ConfigMap (by its hashed name) plus env. */
    static Map<String, String> serviceEnv(Rendered r) {
        Container serve = container(r.one(Deployment.class, SERVE).getSpec().getTemplate().getSpec(), "serve");
        Map<String, String> env = new java.util.HashMap<>();
        for (var from : serve.getEnvFrom()) {
            env.putAll(r.one(ConfigMap.class, from.getConfigMapRef().getName()).getData());
        }
        if (serve.getEnv() != null) {
            serve.getEnv().stream().filter(e -> e.getValue() != null).forEach(e -> env.put(e.getName(), e.getValue()));
        }
        return env;
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void volumesUseTheCloudsSharedStorage(String overlay) {
        Rendered r = Rendered.of(overlay);
        Map<String, String> classes = Map.of("gke", "standard-rwx", "eks", "efs-sc", "aks", "azurefile-csi");
        for (PersistentVolumeClaim pvc : r.all(PersistentVolumeClaim.class)) {
            String where = overlay + " " + pvc.getMetadata().getName();
            if (r.gpu()) {
                assertEquals(classes.get(r.cloud()), pvc.getSpec().getStorageClassName(), where);
                assertEquals(List.of("ReadWriteMany"), pvc.getSpec().getAccessModes(), where);
            } else {
                assertNull(pvc.getSpec().getStorageClassName(), where + ": local clusters use their default class");
                assertEquals(List.of("ReadWriteOnce"), pvc.getSpec().getAccessModes(), where);
            }
        }
    }

    // ---------------------------------------------------------------- references between objects

    @ParameterizedTest
    @MethodSource("serviceOverlays")
    void selectorsAndReferencesAgree(String overlay) {
        Rendered r = Rendered.of(overlay);
        Deployment d = r.one(Deployment.class, SERVE);
        Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
        assertTrue(podLabels.entrySet().containsAll(d.getSpec().getSelector().getMatchLabels().entrySet()));
        Service svc = r.one(Service.class, SERVE);
        assertTrue(podLabels.entrySet().containsAll(svc.getSpec().getSelector().entrySet()), "Service selects no pod");
        assertEquals("http", svc.getSpec().getPorts().get(0).getTargetPort().getStrVal());
        PodDisruptionBudget pdb = r.one(PodDisruptionBudget.class, SERVE);
        assertTrue(podLabels.entrySet().containsAll(pdb.getSpec().getSelector().getMatchLabels().entrySet()), "PDB selects no pod");
        assertEquals(1, pdb.getSpec().getMaxUnavailable().getIntVal());
        assertEquals(d.getSpec().getTemplate().getSpec().getServiceAccountName(),
                r.all(io.fabric8.kubernetes.api.model.ServiceAccount.class).get(0).getMetadata().getName());
        if (!r.gpu()) {
            return;
        }
        ServiceMonitor sm = r.one(ServiceMonitor.class, SERVE);
        sm.getSpec().getSelector().getMatchLabels().forEach((k, v) -> assertEquals(v, svc.getMetadata().getLabels().get(k),
                "ServiceMonitor selects no Service"));
        assertEquals("http", sm.getSpec().getEndpoints().get(0).getPort());
        assertEquals("/q/metrics", sm.getSpec().getEndpoints().get(0).getPath());

        KedaScaledObject so = r.scaledObjects.get(0);
        assertEquals("Deployment", so.spec().scaleTargetRef().kind());
        assertEquals(SERVE, so.spec().scaleTargetRef().name());
        int min = so.spec().minReplicaCount();
        int max = so.spec().maxReplicaCount();
        assertTrue(min >= 1 && min <= max, "replicas " + min + ".." + max + " (never to zero: warm-up takes minutes)");
        // Prometheus queries cannot follow kustomize's namespace: they must name the rendered one.
        for (KedaScaledObject.Trigger t : so.spec().triggers()) {
            assertEquals("prometheus", t.type());
            String q = t.metadata().get("query");
            assertTrue(q.contains("namespace=\"" + Rendered.NAMESPACE + "\""), "trigger " + t.name() + ": " + q);
            assertTrue(q.contains("job=\"" + svc.getMetadata().getName() + "\""), "trigger " + t.name() + ": " + q);
            assertTrue(t.metadata().get("serverAddress").matches("https?://[a-z0-9.\\-]+(:\\d+)?"), t.metadata().toString());
            Double.parseDouble(t.metadata().get("threshold"));
        }
        PrometheusRule rule = r.one(PrometheusRule.class, SERVE);
        for (var g : rule.getSpec().getGroups()) {
            for (var a : g.getRules()) {
                String expr = a.getExpr().getStrVal();
                assertTrue(expr.contains("job=\"" + svc.getMetadata().getName() + "\"") || expr.contains("deployment=\"" + SERVE + "\""),
                        a.getAlert() + " does not select this service: " + expr);
                assertTrue(a.getLabels().containsKey("severity"), a.getAlert() + " without severity");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("gpuServiceOverlays")
    void exportWritesTheFolderTheServiceLoads(String cloud) {
        String served = serviceEnv(Rendered.of(cloud)).get("DWISENEURO_MODELS_DIR");
        Job export = Rendered.of(cloud + "/training").one(Job.class, "dwiseneuro-export");
        List<String> args = container(export.getSpec().getTemplate().getSpec(), "export").getArgs();
        assertEquals("export", args.get(0));
        assertEquals(served, args.get(args.indexOf("--out") + 1), "export --out vs the service's DWISENEURO_MODELS_DIR");
        VolumeMount models = container(export.getSpec().getTemplate().getSpec(), "export").getVolumeMounts().stream()
                .filter(m -> m.getMountPath().equals("/models")).findFirst().orElseThrow();
        assertNotEquals(Boolean.TRUE, models.getReadOnly(), "the export Job writes the models volume");
        assertEquals("dwiseneuro-models", export.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals(models.getName())).findFirst().orElseThrow().getPersistentVolumeClaim().getClaimName());
        // The exported experiments are what the two training stages write.
        Rendered training = Rendered.of(cloud + "/training");
        for (Job stage : List.of(training.one(Job.class, "dwiseneuro-train-stage1"), training.one(Job.class, "dwiseneuro-train-stage2"))) {
            String config = container(stage.getSpec().getTemplate().getSpec(), "train").getEnv().stream()
                    .filter(e -> e.getName().equals("TRAIN_CONFIG")).findFirst().orElseThrow().getValue();
            assertTrue(args.contains("/experiments/" + config), "export does not read stage " + config);
        }
    }

    @Test
    void dashboardConfigMapIsTheDashboardFile() throws Exception {
        Rendered r = Rendered.of("gke");
        ConfigMap cm = r.one(ConfigMap.class, "dwiseneuro-grafana-dashboard");
        assertEquals("1", cm.getMetadata().getLabels().get("grafana_dashboard"));
        String file = Files.readString(Kustomize.K8S.resolve("components/monitoring/grafana/dwiseneuro-serve.json"));
        assertEquals(file, cm.getData().get("dwiseneuro-serve.json"));
    }

    static Container container(PodSpec pod, String name) {
        return pod.getContainers().stream().filter(c -> c.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no container " + name));
    }
}
