package io.schemaguard.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The Grafana dashboard as the tests read it: every panel's PromQL expression, with Grafana's
 * variables replaced by concrete values (Prometheus' parser knows no {@code $namespace}), parsed by
 * promql-check (Prometheus' own parser; scripts/build-promql-check.sh builds it).
 */
final class Dashboard {
    static final Path JSON = Path.of("deploy/grafana/schemaguard-dashboard.json");
    static final String TOOL_ENV = "SCHEMAGUARD_PROMQL_CHECK";

    /** What Grafana puts in place of its variables before it sends a query. */
    static final Map<String, String> VARIABLES = Map.of(
            "$__rate_interval", "2m",
            "$__interval", "1m",
            "$__range", "1h",
            "${namespace:regex}", ".*",
            "${namespace}", ".*",
            "$namespace", ".*");

    record Parsed(String panel, String expr, String error, List<String> metrics) {}

    private Dashboard() {}

    /** (panel title, expression) of every target of every panel, rows' nested panels included. */
    static List<String[]> expressions() {
        try {
            JsonNode root = new ObjectMapper().readTree(JSON.toFile());
            List<String[]> out = new ArrayList<>();
            collect(root.path("panels"), out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void collect(JsonNode panels, List<String[]> out) {
        for (JsonNode p : panels) {
            for (JsonNode t : p.path("targets")) {
                if (t.hasNonNull("expr")) {
                    out.add(new String[] {
                        p.path("title").asText(), t.get("expr").asText()
                    });
                }
            }
            collect(p.path("panels"), out);
        }
    }

    static String concrete(String expr) {
        String s = expr;
        // longest first, so $namespace does not eat the start of ${namespace}
        for (String v : VARIABLES.keySet().stream()
                .sorted((a, b) -> b.length() - a.length())
                .toList()) {
            s = s.replace(v, VARIABLES.get(v));
        }
        return s;
    }

    /**
     * The path of promql-check. Without {@link #TOOL_ENV} the test is skipped on a developer's machine,
     * but fails under CI (CI=true), where scripts/test.sh always builds it.
     */
    static Path tool() {
        String path = System.getenv(TOOL_ENV);
        if (path == null || path.isBlank()) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException(TOOL_ENV + " is not set under CI (scripts/test.sh exports it)");
            }
            Assumptions.abort(TOOL_ENV + " is not set: run scripts/build-promql-check.sh");
        }
        return Path.of(path);
    }

    /** Each expression parsed by Prometheus' parser, in the dashboard's order. */
    static List<Parsed> parse() {
        List<String[]> exprs = expressions();
        ObjectMapper json = new ObjectMapper();
        try {
            List<String> concrete = exprs.stream().map(e -> concrete(e[1])).toList();
            Process p = new ProcessBuilder(tool().toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            try (var in = p.getOutputStream()) {
                in.write(json.writeValueAsBytes(concrete));
            }
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() > 1) {
                throw new IllegalStateException("promql-check failed: " + new String(out, StandardCharsets.UTF_8));
            }
            JsonNode results = json.readTree(out);
            List<Parsed> parsed = new ArrayList<>();
            for (int i = 0; i < exprs.size(); i++) {
                JsonNode r = results.get(i);
                List<String> metrics = new ArrayList<>();
                r.path("metrics").forEach(m -> metrics.add(m.asText()));
                parsed.add(new Parsed(
                        exprs.get(i)[0],
                        r.get("expr").asText(),
                        r.hasNonNull("error") ? r.get("error").asText() : null,
                        metrics));
            }
            return parsed;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Every metric name the dashboard selects. */
    static TreeSet<String> metrics() {
        TreeSet<String> names = new TreeSet<>();
        parse().forEach(p -> names.addAll(p.metrics()));
        return names;
    }

    /** The metric names a Prometheus text exposition (a scrape) has samples of. */
    static TreeSet<String> scraped(String exposition) {
        TreeSet<String> names = new TreeSet<>();
        exposition.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).forEach(l -> {
            int end = l.indexOf('{');
            if (end < 0) {
                end = l.indexOf(' ');
            }
            names.add(end < 0 ? l : l.substring(0, end));
        });
        return names;
    }
}
