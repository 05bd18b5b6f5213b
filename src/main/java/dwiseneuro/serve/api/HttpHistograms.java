package dwiseneuro.serve.api;

import jakarta.inject.Singleton;
import jakarta.enterprise.inject.Produces;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;

/** Publishes histogram buckets for http_server_requests_seconds, so dashboards can compute p50/p95/p99. */
@Singleton
public class HttpHistograms {

    @Produces
    @Singleton
    public MeterFilter requestHistograms() {
        return new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (id.getName().startsWith("http.server.requests")) {
                    return DistributionStatisticConfig.builder().percentilesHistogram(true).build().merge(config);
                }
                return config;
            }
        };
    }
}
