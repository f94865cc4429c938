package io.schemaguard.runner.postgres;

import io.schemaguard.api.Defaults;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * A database to connect to, from a {@code postgresql://} or {@code jdbc:postgresql://} URL and the
 * standard libpq environment ({@code PGHOST}, {@code PGPORT}, {@code PGDATABASE}, {@code PGUSER},
 * {@code PGPASSWORD}, {@code PGSSLMODE}). A password is taken from the environment only: a URL
 * given on the command line must not carry one, because command lines show in {@code ps}.
 */
public record PgTarget(String host, int port, String database, String user, String password, String sslMode) {

    public PgTarget {
        // Every command opens (or creates) this database: a name the server would cut names another one.
        requireUntruncated("database name", database);
    }

    public static final String DATABASE_URL_ENV = "DATABASE_URL";

    /** PostgreSQL keeps the first NAMEDATALEN - 1 bytes of an identifier and silently drops the rest. */
    public static final int MAX_IDENTIFIER_BYTES = 63;

    /**
     * Refuses a name PostgreSQL would cut: the server would open or create the shorter name, which may be
     * another, existing object.
     */
    public static String requireUntruncated(String what, String name) {
        int bytes = name == null ? 0 : name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_IDENTIFIER_BYTES) {
            byte[] cut = Arrays.copyOf(name.getBytes(StandardCharsets.UTF_8), MAX_IDENTIFIER_BYTES);
            throw new IllegalArgumentException(what + " '" + name + "' is " + bytes + " bytes; PostgreSQL keeps only "
                    + MAX_IDENTIFIER_BYTES + " and would use '"
                    + new String(cut, StandardCharsets.UTF_8).replace("\uFFFD", "") + "' instead: use a shorter name");
        }
        return name;
    }

    /**
     * A second server (for verification or a rehearsal) from its {@code postgresql://user@host:port} URL:
     * its password comes from {@code passwordVariable}, else {@code PGPASSWORD}; {@code DATABASE_URL},
     * which names the real database, is not read.
     */
    public static PgTarget resolveServer(String url, String passwordVariable, Map<String, String> env) {
        Map<String, String> own = new HashMap<>(env);
        own.remove(DATABASE_URL_ENV);
        if (env.get(passwordVariable) != null) {
            own.put("PGPASSWORD", env.get(passwordVariable));
        }
        return resolve(url, own);
    }

    /**
     * @param urlFromFlag the {@code --database} value, or null to use {@code DATABASE_URL} or the PG* variables
     */
    public static PgTarget resolve(String urlFromFlag, Map<String, String> env) {
        String url = urlFromFlag;
        boolean urlFromEnvironment = false;
        if (url == null || url.isBlank()) {
            url = env.get(DATABASE_URL_ENV);
            urlFromEnvironment = url != null && !url.isBlank();
        }
        String host = env.get("PGHOST");
        Integer port = env.get("PGPORT") == null || env.get("PGPORT").isBlank() ? null : parsePort(env.get("PGPORT"));
        String database = env.get("PGDATABASE");
        String user = env.get("PGUSER");
        String password = env.get("PGPASSWORD");
        String sslMode = env.get("PGSSLMODE");

        if (url != null && !url.isBlank()) {
            Map<String, String> parts = parseUrl(url);
            if (parts.containsKey("password") && !urlFromEnvironment) {
                throw new IllegalArgumentException("the --database URL contains a password; command lines are visible"
                        + " to every user of the machine: pass it in PGPASSWORD or DATABASE_URL instead");
            }
            host = parts.getOrDefault("host", host);
            if (parts.containsKey("port")) {
                port = parsePort(parts.get("port"));
            }
            database = parts.getOrDefault("database", database);
            user = parts.getOrDefault("user", user);
            password = parts.getOrDefault("password", password);
            sslMode = parts.getOrDefault("sslmode", sslMode);
        }
        if (host == null || host.isBlank()) {
            host = "localhost";
        }
        if (user == null || user.isBlank()) {
            user = System.getProperty("user.name");
        }
        if (database == null || database.isBlank()) {
            database = user;
        }
        if (sslMode == null || sslMode.isBlank()) {
            sslMode = "prefer";
        }
        return new PgTarget(host, port == null ? Defaults.POSTGRES_PORT : port, database, user, password, sslMode);
    }

    /** Environment for pg_dump, pg_restore and psql: the connection never appears in their arguments. */
    public Map<String, String> libpqEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PGHOST", host);
        env.put("PGPORT", Integer.toString(port));
        env.put("PGDATABASE", database);
        env.put("PGUSER", user);
        env.put("PGSSLMODE", sslMode);
        env.put("PGCONNECT_TIMEOUT", "10");
        env.put("PGAPPNAME", "schemaguard");
        if (password != null) {
            env.put("PGPASSWORD", password);
        }
        return env;
    }

    public String jdbcUrl() {
        String h = host.startsWith("/") ? "localhost" : host.contains(":") ? "[" + host + "]" : host;
        return "jdbc:postgresql://" + h + ":" + port + "/" + encode(database);
    }

    public Properties jdbcProperties() {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (password != null) {
            p.setProperty("password", password);
        }
        p.setProperty("sslmode", sslMode);
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "0");
        p.setProperty("ApplicationName", "schemaguard");
        if (host.startsWith("/")) {
            throw new IllegalArgumentException("unix-socket hosts are not supported; use a TCP host");
        }
        return p;
    }

    /** The same server's {@code postgres} database, from which databases are created and dropped. */
    public PgTarget maintenance() {
        return new PgTarget(host, port, "postgres", user, password, sslMode);
    }

    /** {@code user@host:port/database}: never the password. */
    public String describe() {
        return user + "@" + host + ":" + port + "/" + database;
    }

    @Override
    public String toString() {
        return describe();
    }

    private static Map<String, String> parseUrl(String url) {
        String u = url.strip();
        if (u.startsWith("jdbc:")) {
            u = u.substring("jdbc:".length());
        }
        if (!u.startsWith("postgresql://") && !u.startsWith("postgres://")) {
            throw new IllegalArgumentException("not a PostgreSQL URL: expected postgresql://host:port/database");
        }
        URI uri;
        try {
            uri = URI.create(u);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "malformed database URL (" + e.getMessage().split(":")[0] + ")");
        }
        Map<String, String> parts = new LinkedHashMap<>();
        if (uri.getHost() != null) {
            parts.put(
                    "host",
                    uri.getHost().startsWith("[")
                            ? uri.getHost().substring(1, uri.getHost().length() - 1)
                            : uri.getHost());
        }
        if (uri.getPort() > 0) {
            parts.put("port", Integer.toString(uri.getPort()));
        }
        String rawUserInfo = uri.getRawUserInfo();
        if (rawUserInfo != null) {
            int colon = rawUserInfo.indexOf(':');
            parts.put("user", decode(colon < 0 ? rawUserInfo : rawUserInfo.substring(0, colon)));
            if (colon >= 0) {
                parts.put("password", decode(rawUserInfo.substring(colon + 1)));
            }
        }
        String path = uri.getRawPath();
        if (path != null && path.length() > 1) {
            parts.put("database", decode(path.substring(1)));
        }
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    continue;
                }
                String key = decode(pair.substring(0, eq)).toLowerCase();
                String value = decode(pair.substring(eq + 1));
                switch (key) {
                    case "sslmode", "user", "password", "host", "port" -> parts.put(key, value);
                    case "dbname" -> parts.put("database", value);
                    default -> {
                        // other libpq/JDBC parameters are not needed for dumping
                    }
                }
            }
        }
        return parts;
    }

    private static int parsePort(String s) {
        try {
            int p = Integer.parseInt(s.strip());
            if (p < 1 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid port '" + s + "'");
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
