import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Load and soak generator for bench/soak.sh (JDK single-file program: java bench/SoakLoad.java ...).
 * Loopback only, bounded in requests and time. Phases:
 *   0. warm-up: closed loop, not counted (JIT of the service and of libtorch's graph executor);
 *   1. capacity: closed loop with CLIENTS concurrent clients; capacity = accepted requests per second;
 *   2. overload: open loop at 2 x capacity for OVERLOAD_S seconds;
 *   3. sustained: open loop at 1 x capacity until at least SUSTAINED_REQUESTS requests (at most SUSTAINED_MAX_S s).
 * Reports accepted, 429 (and whether each had Retry-After), other 4xx, 5xx, transport errors, p50/p99 of
 * accepted requests, whether accepted responses equal the reference, and the service's RSS
 * (/proc/PID/status VmRSS) before, during and after, and its trend at quiet checkpoints between segments of
 * the sustained phase (RSS during load swings with the tensors in flight), with the JVM's own native memory
 * (jcmd VM.native_memory, the service runs with -XX:NativeMemoryTracking=summary) told apart from the rest.
 */
public class SoakLoad {

    record Result(int status, long nanos, boolean retryAfter, double maxDiff, long doneNanos) {
    }

    static final class Phase {
        final String name;
        final double rate;
        final ConcurrentLinkedQueue<Result> results = new ConcurrentLinkedQueue<>();
        final AtomicLong errors = new AtomicLong();
        final AtomicLong clientDropped = new AtomicLong();
        long startNanos;
        long endNanos;
        String firstError;

        Phase(String name, double rate) {
            this.name = name;
            this.rate = rate;
        }

        double seconds() {
            return (endNanos - startNanos) / 1e9;
        }
    }

    record Sample(double seconds, long rssKb, long completed, String phase) {
    }

    /** RSS and the JVM's own committed native memory (NMT) at one moment: RSS - NMT is libtorch, glibc and the rest. */
    record Snapshot(String when, long rssKb, long nmtKb, long completed, Map<String, Long> categories) {
        Snapshot(String when, long rssKb, Map<String, Long> nmt, long completed) {
            this(when, rssKb, nmt.getOrDefault("Total", -1L), completed, nmt);
        }
    }

    static final List<Snapshot> snapshots = new ArrayList<>();

    static final Map<String, String> ARGS = new HashMap<>();
    static HttpClient http;
    static URI uri;
    static byte[] body;
    static String contentType;
    static float[] reference;
    static final AtomicLong completed = new AtomicLong();
    static final List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
    static volatile String currentPhase = "start";
    static long t0;

    public static void main(String[] args) throws Exception {
        for (String arg : args) {
            int eq = arg.indexOf('=');
            ARGS.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        uri = URI.create(arg("url", "http://127.0.0.1:8080") + "/v1/mice/" + arg("mouse", "demo-mouse-1") + "/responses");
        if (!uri.getHost().equals("127.0.0.1") && !uri.getHost().equals("localhost")) {
            throw new IllegalArgumentException("loopback only: " + uri);
        }
        long pid = Long.parseLong(arg("pid", "0"));
        int clients = Integer.parseInt(arg("clients", "32"));
        int capacitySeconds = Integer.parseInt(arg("capacity_s", "30"));
        int overloadSeconds = Integer.parseInt(arg("overload_s", "60"));
        long sustainedRequests = Long.parseLong(arg("sustained_requests", "10000"));
        int sustainedMin = Integer.parseInt(arg("sustained_min_s", "120"));
        int sustainedMax = Integer.parseInt(arg("sustained_max_s", "360"));
        int maxInflight = Integer.parseInt(arg("max_inflight", "1024"));
        Path dir = Path.of(arg("clip_dir", "bench/out/soak-clip"));

        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .executor(Executors.newFixedThreadPool(4)).build();
        String boundary = "soak-boundary-5b1f";
        contentType = "multipart/form-data; boundary=" + boundary;
        body = multipart(boundary, dir);

        t0 = System.nanoTime();
        Thread sampler = new Thread(() -> sample(pid), "rss-sampler");
        sampler.setDaemon(true);
        sampler.start();

        HttpResponse<byte[]> first = http.send(request(), HttpResponse.BodyHandlers.ofByteArray());
        if (first.statusCode() != 200) {
            throw new IllegalStateException("the reference request failed: " + first.statusCode() + " " + new String(first.body()));
        }
        reference = npy(first.body());
        Thread.sleep(2000);
        long rssBefore = rss(pid);
        snapshots.add(new Snapshot("before load", rssBefore, nmt(pid), completed.get()));

        List<Phase> phases = new ArrayList<>();
        Phase warmUp = new Phase("warm-up (closed loop, " + clients + " clients; JIT, not counted for capacity)", 0);
        phases.add(warmUp);
        closedLoop(warmUp, clients, Integer.parseInt(arg("warmup_s", "10")));
        Phase capacity = new Phase("capacity (closed loop, " + clients + " clients)", 0);
        phases.add(capacity);
        closedLoop(capacity, clients, capacitySeconds);
        double perSecond = accepted(capacity, 5);
        System.out.printf(Locale.ROOT, "capacity: %.1f accepted requests/s%n", perSecond);

        Phase overload = new Phase(String.format(Locale.ROOT, "overload (open loop, 2 x capacity = %.1f/s)", 2 * perSecond), 2 * perSecond);
        phases.add(overload);
        openLoop(overload, 2 * perSecond, overloadSeconds, (long) Math.ceil(2 * perSecond * overloadSeconds), maxInflight);

        Phase sustained = new Phase(String.format(Locale.ROOT, "sustained (open loop, 1 x capacity = %.1f/s)", perSecond), perSecond);
        phases.add(sustained);
        int seconds = (int) Math.min(sustainedMax, Math.max(sustainedMin, Math.ceil(sustainedRequests / perSecond) + 5));
        // In segments of about 2,000 requests, each followed by a quiet moment (nothing in flight, a full GC,
        // 2 s) in which RSS is read: the readings compare like with like, while RSS during load swings with
        // the tensors in flight and with direct buffers that wait for a collection.
        int segments = (int) Math.max(4, Math.round(perSecond * seconds / 2000.0));
        long perSegment = (long) Math.ceil(perSecond * seconds / segments);
        int segmentSeconds = (int) Math.ceil(seconds / (double) segments);
        quiet(pid);
        snapshots.add(new Snapshot("sustained start (quiet)", rss(pid), nmt(pid), completed.get()));
        sustained.startNanos = System.nanoTime();
        long busyNanos = 0;
        for (int k = 1; k <= segments; k++) {
            long start = System.nanoTime();
            openLoop(sustained, perSecond, segmentSeconds, perSegment, maxInflight, false);
            busyNanos += System.nanoTime() - start;
            currentPhase = "quiet";
            quiet(pid);
            snapshots.add(new Snapshot("after sustained segment " + k + " (quiet)", rss(pid), nmt(pid), completed.get()));
        }
        sustained.endNanos = sustained.startNanos + busyNanos;

        currentPhase = "after";
        Thread.sleep(10_000);
        long rssAfter = rss(pid);
        snapshots.add(new Snapshot("after 10 s idle", rssAfter, nmt(pid), completed.get()));
        writeSamples(arg("samples", ""));
        report(phases, rssBefore, rssAfter, sustained, pid);
        System.exit(0);
    }

    static String arg(String name, String fallback) {
        return ARGS.getOrDefault(name, fallback);
    }

    static HttpRequest request() {
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(120))
                .header("Content-Type", contentType).header("Accept", "application/x-npy")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    static CompletableFuture<Void> send(Phase phase) {
        long start = System.nanoTime();
        return http.sendAsync(request(), HttpResponse.BodyHandlers.ofByteArray()).handle((response, error) -> {
            completed.incrementAndGet();
            if (error != null) {
                phase.errors.incrementAndGet();
                if (phase.firstError == null) {
                    phase.firstError = error.toString();
                }
                return null;
            }
            double diff = Double.NaN;
            if (response.statusCode() == 200) {
                diff = maxDiff(npy(response.body()), reference);
            }
            long done = System.nanoTime();
            phase.results.add(new Result(response.statusCode(), done - start,
                    response.headers().firstValue("Retry-After").isPresent(), diff, done));
            return null;
        });
    }

    static void closedLoop(Phase phase, int clients, int seconds) throws InterruptedException {
        currentPhase = phase.name.substring(0, phase.name.indexOf(' '));
        phase.startNanos = System.nanoTime();
        long end = phase.startNanos + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            Thread t = new Thread(() -> {
                while (System.nanoTime() < end) {
                    send(phase).join();
                }
            });
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        phase.endNanos = System.nanoTime();
    }

    static void openLoop(Phase phase, double rate, int seconds, long count, int maxInflight) throws InterruptedException {
        openLoop(phase, rate, seconds, count, maxInflight, true);
    }

    static void openLoop(Phase phase, double rate, int seconds, long count, int maxInflight, boolean timed) throws InterruptedException {
        currentPhase = phase.name.substring(0, phase.name.indexOf(' '));
        Semaphore inflight = new Semaphore(maxInflight);
        long begin = System.nanoTime();
        if (timed) {
            phase.startNanos = begin;
        }
        double period = 1e9 / rate;
        for (long i = 0; i < count; i++) {
            long due = begin + (long) (i * period);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            if (!inflight.tryAcquire()) {
                phase.clientDropped.incrementAndGet();
                continue;
            }
            send(phase).whenComplete((v, e) -> inflight.release());
        }
        // every request sent must finish (bounded by the request timeout)
        if (!inflight.tryAcquire(maxInflight, 150, TimeUnit.SECONDS)) {
            System.out.println("warning: requests still in flight after 150 s");
        } else {
            inflight.release(maxInflight);
        }
        if (timed) {
            phase.endNanos = System.nanoTime();
        }
    }

    /** Accepted requests per second, after the first {@code skip} seconds of the phase. */
    static double accepted(Phase phase, int skip) {
        long from = phase.startNanos + TimeUnit.SECONDS.toNanos(skip);
        long n = phase.results.stream().filter(r -> r.status == 200 && r.doneNanos >= from).count();
        return n / Math.max(1.0, (phase.endNanos - from) / 1e9);
    }

    static void sample(long pid) {
        while (true) {
            samples.add(new Sample((System.nanoTime() - t0) / 1e9, rss(pid), completed.get(), currentPhase));
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    static long rss(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Committed KiB of the JVM's native memory tracking summary (-XX:NativeMemoryTracking=summary), in all
     * ("Total") and per category ("Java Heap", "Thread", "Other", ...); empty when jcmd is not available.
     */
    static Map<String, Long> nmt(long pid) {
        Map<String, Long> out = new java.util.LinkedHashMap<>();
        if (pid <= 0) {
            return out;
        }
        try {
            Process jcmd = new ProcessBuilder("jcmd", Long.toString(pid), "VM.native_memory", "summary").redirectErrorStream(true).start();
            String text = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            jcmd.waitFor(30, TimeUnit.SECONDS);
            java.util.regex.Matcher total = java.util.regex.Pattern.compile("Total: reserved=(\\d+)KB, committed=(\\d+)KB").matcher(text);
            if (total.find()) {
                out.put("Total", Long.parseLong(total.group(2)));
            }
            java.util.regex.Matcher category = java.util.regex.Pattern
                    .compile("-\\s+([A-Za-z][A-Za-z ]*?) \\(reserved=\\d+KB, committed=(\\d+)KB\\)").matcher(text);
            while (category.find()) {
                out.put(category.group(1).trim(), Long.parseLong(category.group(2)));
            }
        } catch (IOException e) {
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }

    /**
     * A quiet moment: nothing in flight, a full GC in the service (jcmd GC.run), 2 s. The GC frees what
     * only waits for it (direct ByteBuffers DJL allocates to hand arrays to libtorch are released by their
     * Cleaner, at old-generation collections): what RSS holds then is retained memory, so a leak shows.
     */
    static void quiet(long pid) throws InterruptedException {
        if (pid > 0) {
            try {
                Process gc = new ProcessBuilder("jcmd", Long.toString(pid), "GC.run").redirectErrorStream(true).start();
                gc.getInputStream().readAllBytes();
                gc.waitFor(60, TimeUnit.SECONDS);
            } catch (IOException e) {
                System.out.println("warning: jcmd GC.run failed: " + e);
            }
        }
        Thread.sleep(2000);
    }

    static void writeSamples(String path) throws IOException {
        if (path.isEmpty()) {
            return;
        }
        StringBuilder csv = new StringBuilder("seconds,rss_kib,completed_requests,phase\n");
        synchronized (samples) {
            for (Sample sample : samples) {
                csv.append(String.format(Locale.ROOT, "%.1f,%d,%d,%s%n", sample.seconds, sample.rssKb, sample.completed, sample.phase));
            }
        }
        Files.writeString(Path.of(path), csv);
    }

    static byte[] multipart(String boundary, Path dir) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (String part : new String[] {"video", "behavior", "pupil_center"}) {
            out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + part + "\"; filename=\"" + part
                    + ".npy\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes(Files.readAllBytes(dir.resolve(part + ".npy")));
            out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        out.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    /** The float32 values of a version-1 .npy. */
    static float[] npy(byte[] bytes) {
        int header = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
        ByteBuffer data = ByteBuffer.wrap(bytes, 10 + header, bytes.length - 10 - header).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[data.remaining() / 4];
        data.asFloatBuffer().get(values);
        return values;
    }

    static double maxDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            return Double.POSITIVE_INFINITY;
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    static double percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index))) / 1e6;
    }

    static void report(List<Phase> phases, long rssBefore, long rssAfter, Phase sustained, long pid) throws Exception {
        StringBuilder md = new StringBuilder();
        md.append("| phase | s | sent | accepted (200) | 429 | 429 without Retry-After | other 4xx | 5xx | errors | client-side drops | accepted/s | p50 ms | p99 ms | max abs diff vs reference |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        long total5xx = 0;
        long totalErrors = 0;
        long missingRetryAfter = 0;
        double worstDiff = 0;
        for (Phase p : phases) {
            List<Result> results = new ArrayList<>(p.results);
            long ok = results.stream().filter(r -> r.status == 200).count();
            long tooMany = results.stream().filter(r -> r.status == 429).count();
            long noRetry = results.stream().filter(r -> r.status == 429 && !r.retryAfter).count();
            long other4xx = results.stream().filter(r -> r.status >= 400 && r.status < 500 && r.status != 429).count();
            long server = results.stream().filter(r -> r.status >= 500).count();
            List<Long> latencies = results.stream().filter(r -> r.status == 200).map(r -> r.nanos).sorted().toList();
            double diff = results.stream().filter(r -> r.status == 200).mapToDouble(r -> r.maxDiff).max().orElse(0);
            total5xx += server;
            totalErrors += p.errors.get();
            missingRetryAfter += noRetry;
            worstDiff = Math.max(worstDiff, diff);
            md.append(String.format(Locale.ROOT, "| %s | %.0f | %d | %d | %d | %d | %d | %d | %d | %d | %.1f | %.0f | %.0f | %.2g |%n",
                    p.name, p.seconds(), results.size() + p.errors.get(), ok, tooMany, noRetry, other4xx, server, p.errors.get(),
                    p.clientDropped.get(), ok / Math.max(1e-9, p.seconds()), percentile(latencies, 50), percentile(latencies, 99), diff));
            if (p.firstError != null) {
                md.append("\nfirst transport error in ").append(p.name).append(": ").append(p.firstError).append("\n\n");
            }
        }
        md.append("\nRSS of the service (VmRSS, MiB):\n\n| when | RSS MiB |\n|---|---|\n");
        md.append(String.format(Locale.ROOT, "| before load (after the reference request) | %.1f |%n", rssBefore / 1024.0));
        for (String phase : new String[] {"capacity", "overload", "sustained"}) {
            List<Sample> in = samples.stream().filter(s -> s.phase.equals(phase)).toList();
            if (!in.isEmpty()) {
                long max = in.stream().mapToLong(s -> s.rssKb).max().orElse(0);
                md.append(String.format(Locale.ROOT, "| during %s: first / last / max | %.1f / %.1f / %.1f |%n", phase,
                        in.get(0).rssKb / 1024.0, in.get(in.size() - 1).rssKb / 1024.0, max / 1024.0));
            }
        }
        md.append(String.format(Locale.ROOT, "| after (10 s idle) | %.1f |%n", rssAfter / 1024.0));
        md.append("\nRSS split (NMT: the JVM's own committed memory, heap included; the rest: libtorch, glibc, other native):\n\n"
                + "| when | requests done | RSS MiB | JVM (NMT) MiB | rest MiB |\n|---|---|---|---|---|\n");
        for (Snapshot snap : snapshots) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f |%n", snap.when, snap.completed, snap.rssKb / 1024.0,
                    snap.nmtKb / 1024.0, (snap.rssKb - snap.nmtKb) / 1024.0));
        }

        Snapshot firstQuiet = snapshots.stream().filter(q -> q.when.startsWith("after sustained segment 1 ")).findFirst().orElse(null);
        Snapshot last = snapshots.get(snapshots.size() - 1);
        if (firstQuiet != null && !last.categories.isEmpty()) {
            md.append("\nThe JVM's own memory by NMT category, committed MiB (categories that moved by 1 MiB or more):\n\n"
                    + "| category | before load | after segment 1 | after the run | change since segment 1 |\n|---|---|---|---|---|\n");
            Snapshot before = snapshots.get(0);
            for (Map.Entry<String, Long> c : last.categories.entrySet()) {
                long then = firstQuiet.categories.getOrDefault(c.getKey(), 0L);
                long start = before.categories.getOrDefault(c.getKey(), 0L);
                if (Math.abs(c.getValue() - then) >= 1024 || Math.abs(c.getValue() - start) >= 1024) {
                    md.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %+.1f |%n", c.getKey(), start / 1024.0,
                            then / 1024.0, c.getValue() / 1024.0, (c.getValue() - then) / 1024.0));
                }
            }
        }

        // Trend: RSS at the quiet checkpoints between sustained segments, the first segment left out (JIT,
        // allocator and thread pool still settling), least squares against the requests done.
        List<Snapshot> quiet = snapshots.stream().filter(q -> q.when.startsWith("after sustained segment")).toList();
        List<Snapshot> fit = quiet.size() > 2 ? quiet.subList(1, quiet.size()) : quiet;
        double slopePer10k = Double.NaN;
        double restSlopePer10k = Double.NaN;
        long requestsInFit = 0;
        if (fit.size() >= 3) {
            slopePer10k = slope(fit, false);
            restSlopePer10k = slope(fit, true);
            requestsInFit = fit.get(fit.size() - 1).completed - fit.get(0).completed;
        }
        double limit = Double.parseDouble(arg("max_growth_mib_per_10k", "16"));
        long sustainedRequests = sustained.results.size() + sustained.errors.get();
        long minRequests = Long.parseLong(arg("min_trend_requests", "8000"));
        boolean trendOk = !Double.isNaN(slopePer10k) && slopePer10k < limit && requestsInFit >= minRequests;
        md.append(String.format(Locale.ROOT, "%nRSS trend over the sustained phase (%d requests), from the quiet checkpoints after "
                + "segment 2 on (%d requests): %+.2f MiB per 10,000 requests (limit %.0f); outside the JVM (RSS - NMT): "
                + "%+.2f MiB per 10,000 requests%n", sustainedRequests, requestsInFit, slopePer10k, limit, restSlopePer10k));
        String metrics = new String(http.send(HttpRequest.newBuilder(URI.create(uri.getScheme() + "://" + uri.getAuthority() + "/q/metrics"))
                .GET().build(), HttpResponse.BodyHandlers.ofByteArray()).body(), StandardCharsets.UTF_8);
        double sum = metric(metrics, "dwiseneuro_batch_windows_sum");
        double count = metric(metrics, "dwiseneuro_batch_windows_count");
        double queueBytes = metric(metrics, "dwiseneuro_queue_bytes");
        md.append(String.format(Locale.ROOT, "%nBatches: %.0f, mean %.1f windows per batch. Model input still reserved in the queue "
                + "after the run (dwiseneuro_queue_bytes, must be 0): %.0f bytes.%n", count, count == 0 ? 0 : sum / count, queueBytes));
        boolean ok = total5xx == 0 && totalErrors == 0 && missingRetryAfter == 0 && trendOk && worstDiff <= 1e-4 && queueBytes == 0;
        md.append(String.format(Locale.ROOT, "%nResult: %s (5xx: %d, transport errors: %d, 429 without Retry-After: %d, "
                + "worst difference from the reference: %.2g, RSS trend: %s)%n", ok ? "PASS" : "FAIL", total5xx, totalErrors,
                missingRetryAfter, worstDiff, trendOk ? "flat" : "growing or too few requests"));
        System.out.print(md);
        String out = arg("out", "");
        if (!out.isEmpty()) {
            Files.writeString(Path.of(out), md.toString());
        }
        if (!ok) {
            System.exit(1);
        }
    }

    /** Least-squares slope of RSS (or RSS - NMT) against requests done, in MiB per 10,000 requests. */
    static double slope(List<Snapshot> points, boolean outsideJvm) {
        double mx = points.stream().mapToDouble(p -> p.completed).average().orElse(0);
        double my = points.stream().mapToDouble(p -> outsideJvm ? p.rssKb - p.nmtKb : p.rssKb).average().orElse(0);
        double sxy = 0;
        double sxx = 0;
        for (Snapshot p : points) {
            double y = outsideJvm ? p.rssKb - p.nmtKb : p.rssKb;
            sxy += (p.completed - mx) * (y - my);
            sxx += (p.completed - mx) * (p.completed - mx);
        }
        return sxx == 0 ? 0 : sxy / sxx * 10_000 / 1024.0;
    }

    static double metric(String text, String name) {
        return text.lines().filter(l -> l.startsWith(name)).mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }
}
