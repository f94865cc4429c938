package io.schemaguard.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * An HTTP/1.1 proxy in front of a real S3 server that answers chosen requests with an S3 error
 * status, resets their connection or delays them, and passes the rest through unchanged. Toxiproxy
 * works on TCP and cannot tell an UploadPart from a GET or answer 503, so the fault suite needs this
 * too. Each client connection carries one request (the response says {@code Connection: close}); the
 * SigV4 signature stays valid because neither {@code Connection} nor {@code Expect} is signed.
 */
public final class HttpFaults implements AutoCloseable {

    public enum Kind {
        PASS,
        /** Read the request, then answer with an S3 error document. */
        STATUS,
        /** Answer with an S3 error before reading the request body, then close: a server rejecting mid-upload. */
        EARLY_STATUS,
        /** Reset the connection (RST) before reading the body. */
        RESET,
        /** Pass the request on, then reset the connection after part of the response body. */
        RESET_MID_RESPONSE,
        /** Wait, then pass through: a slow storage. */
        DELAY
    }

    public record Action(Kind kind, int status, String code, long amount) {
        public static final Action PASS = new Action(Kind.PASS, 0, null, 0);

        public static Action status(int status, String code) {
            return new Action(Kind.STATUS, status, code, 0);
        }

        public static Action earlyStatus(int status, String code) {
            return new Action(Kind.EARLY_STATUS, status, code, 0);
        }

        public static Action reset() {
            return new Action(Kind.RESET, 0, null, 0);
        }

        public static Action resetAfter(long responseBytes) {
            return new Action(Kind.RESET_MID_RESPONSE, 0, null, responseBytes);
        }

        public static Action delay(long millis) {
            return new Action(Kind.DELAY, 0, null, millis);
        }
    }

    /** One request as the proxy saw it: method, request target (path and query) and headers (lower-case names). */
    public record Request(String method, String target, Map<String, String> headers) {
        public boolean uploadPart() {
            return method.equals("PUT") && target.contains("partNumber=");
        }

        public boolean put(String keySuffix) {
            return method.equals("PUT") && path().endsWith(keySuffix);
        }

        public boolean get(String keySuffix) {
            return method.equals("GET")
                    && path().endsWith(keySuffix)
                    && !target.contains("list-type")
                    && !target.contains("uploads");
        }

        public String path() {
            int q = target.indexOf('?');
            return q < 0 ? target : target.substring(0, q);
        }
    }

    public interface Rule {
        Action decide(Request request);

        Rule PASS_ALL = r -> Action.PASS;

        /** {@code action} for the first {@code times} requests matching {@code when}; the rest pass. */
        static Rule times(int times, Predicate<Request> when, Action action) {
            AtomicInteger left = new AtomicInteger(times);
            return r -> when.test(r) && left.getAndDecrement() > 0 ? action : Action.PASS;
        }

        /** {@code action} for every request matching {@code when}. */
        static Rule always(Predicate<Request> when, Action action) {
            return r -> when.test(r) ? action : Action.PASS;
        }
    }

    private final ServerSocket server;
    private final int upstreamPort;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "http-faults");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean open = new AtomicBoolean(true);
    private final List<String> applied = new CopyOnWriteArrayList<>();
    private volatile Rule rule = Rule.PASS_ALL;

    private HttpFaults(ServerSocket server, int upstreamPort) {
        this.server = server;
        this.upstreamPort = upstreamPort;
        pool.execute(this::acceptLoop);
    }

    public static HttpFaults inFrontOf(int upstreamPort) {
        try {
            return new HttpFaults(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), upstreamPort);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** The rule for the requests from now on; the list of faults applied starts over. */
    public void rule(Rule rule) {
        applied.clear();
        this.rule = rule;
    }

    /** The faults applied since the last {@link #rule}, as "METHOD path -> KIND". */
    public List<String> applied() {
        return List.copyOf(applied);
    }

    private void acceptLoop() {
        while (open.get()) {
            try {
                Socket client = server.accept();
                pool.execute(() -> handle(client));
            } catch (IOException e) {
                if (open.get()) {
                    continue;
                }
                return;
            }
        }
    }

    private void handle(Socket client) {
        try (client) {
            InputStream in = new BufferedInputStream(client.getInputStream());
            OutputStream out = client.getOutputStream();
            List<String> lines = readHead(in);
            if (lines.isEmpty()) {
                return;
            }
            String[] requestLine = lines.get(0).split(" ");
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line : lines.subList(1, lines.size())) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    headers.put(
                            line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            line.substring(colon + 1).trim());
                }
            }
            Request request = new Request(requestLine[0], requestLine[1], headers);
            Action action = rule.decide(request);
            if (action.kind() != Kind.PASS) {
                applied.add(request.method() + " " + request.path() + " -> " + action.kind()
                        + (action.status() > 0 ? " " + action.status() : ""));
            }
            boolean expectContinue = "100-continue".equalsIgnoreCase(headers.get("expect"));
            switch (action.kind()) {
                case RESET -> {
                    client.setSoLinger(true, 0);
                    return;
                }
                case EARLY_STATUS -> {
                    writeError(out, action);
                    // closing with the body unread makes the kernel send RST, as a real server's early close does
                    return;
                }
                default -> {}
            }
            if (expectContinue) {
                out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            byte[] body = readBody(in, headers);
            if (action.kind() == Kind.STATUS) {
                writeError(out, action);
                return;
            }
            if (action.kind() == Kind.DELAY) {
                Thread.sleep(action.amount());
            }
            forward(lines, body, out, action, client);
        } catch (IOException e) {
            // the client went away or the upstream did: the client sees it as a broken connection
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void forward(List<String> lines, byte[] body, OutputStream out, Action action, Socket client)
            throws IOException {
        try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
            StringBuilder head = new StringBuilder(lines.get(0)).append("\r\n");
            for (String line : lines.subList(1, lines.size())) {
                String name =
                        line.substring(0, Math.max(0, line.indexOf(':'))).trim().toLowerCase(Locale.ROOT);
                if (!name.equals("connection") && !name.equals("expect")) {
                    head.append(line).append("\r\n");
                }
            }
            head.append("Connection: close\r\n\r\n");
            OutputStream up = upstream.getOutputStream();
            up.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            up.write(body);
            up.flush();
            InputStream response = upstream.getInputStream();
            byte[] buffer = new byte[16 * 1024];
            long sent = 0;
            int n;
            while ((n = response.read(buffer)) > 0) {
                if (action.kind() == Kind.RESET_MID_RESPONSE && sent + n > action.amount()) {
                    out.write(buffer, 0, (int) Math.max(0, action.amount() - sent));
                    out.flush();
                    client.setSoLinger(true, 0);
                    return;
                }
                out.write(buffer, 0, n);
                sent += n;
            }
            out.flush();
        }
    }

    private static void writeError(OutputStream out, Action action) throws IOException {
        byte[] xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + action.code() + "</Code><Message>"
                        + "injected by the fault suite</Message><RequestId>fault</RequestId></Error>")
                .getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + action.status() + " " + reasonPhrase(action.status()) + "\r\n"
                + "Content-Type: application/xml\r\nContent-Length: " + xml.length + "\r\n"
                + "x-amz-request-id: fault\r\nConnection: close\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(xml);
        out.flush();
    }

    private static String reasonPhrase(int status) {
        return switch (status) {
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            case 403 -> "Forbidden";
            default -> "Error";
        };
    }

    private static List<String> readHead(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        int total = 0;
        while ((c = in.read()) >= 0) {
            if (++total > 256 * 1024) {
                throw new IOException("request head too large");
            }
            if (c == '\n') {
                String s = line.toString(StandardCharsets.ISO_8859_1);
                if (s.endsWith("\r")) {
                    s = s.substring(0, s.length() - 1);
                }
                if (s.isEmpty()) {
                    return lines;
                }
                lines.add(s);
                line.reset();
            } else {
                line.write(c);
            }
        }
        return List.of();
    }

    /** The body as sent: Content-Length bytes, or the raw chunked encoding up to its last chunk. */
    private static byte[] readBody(InputStream in, Map<String, String> headers) throws IOException {
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = readLine(in, raw);
                int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
                if (size == 0) {
                    while (!readLine(in, raw).isEmpty()) {
                        // trailers
                    }
                    return raw.toByteArray();
                }
                raw.write(in.readNBytes(size + 2));
            }
        }
        String length = headers.get("content-length");
        return length == null ? new byte[0] : in.readNBytes(Integer.parseInt(length));
    }

    private static String readLine(InputStream in, ByteArrayOutputStream raw) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            raw.write(c);
            if (c == '\n') {
                break;
            }
            line.write(c);
        }
        return line.toString(StandardCharsets.ISO_8859_1).trim();
    }

    @Override
    public void close() {
        open.set(false);
        try {
            server.close();
        } catch (IOException e) {
            // closing
        }
        pool.shutdownNow();
    }
}
