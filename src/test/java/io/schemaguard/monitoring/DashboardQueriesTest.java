package io.schemaguard.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Every query of the Grafana dashboard is PromQL that Prometheus' own parser accepts. */
class DashboardQueriesTest {

    @Test
    void everyPanelsExpressionParsesWithPrometheusParser() {
        var parsed = Dashboard.parse();
        assertThat(parsed).hasSizeGreaterThanOrEqualTo(10);
        assertThat(parsed)
                .allSatisfy(p -> assertThat(p.error())
                        .as("panel \"%s\": %s", p.panel(), p.expr())
                        .isNull())
                .allSatisfy(p -> assertThat(p.metrics())
                        .as("panel \"%s\" selects a schemaguard metric", p.panel())
                        .isNotEmpty()
                        .allMatch(m -> m.startsWith("schemaguard_")));
    }

    @Test
    void grafanasVariablesAreReplacedBeforeParsing() {
        assertThat(Dashboard.concrete("rate(x{namespace=~\"$namespace\",a=~\"${namespace:regex}\"}[$__rate_interval])"))
                .isEqualTo("rate(x{namespace=~\".*\",a=~\".*\"}[2m])");
    }

    @Test
    void aScrapesMetricNamesAreRead() {
        assertThat(Dashboard.scraped("""
                        # HELP a_total x
                        # TYPE a_total counter
                        a_total{namespace="n"} 1.0
                        b_seconds_max 0.0
                        """)).containsExactly("a_total", "b_seconds_max");
    }
}
