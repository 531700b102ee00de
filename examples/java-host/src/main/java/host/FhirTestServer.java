package host;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The project's FHIR test server (tests/fhir-server: Medplum's FHIR router, a third-party
 * server) serving the demo patient's five sources on loopback, the out-of-hours service
 * ({@value #HANGING}) never answering; with {@code wrongPatient}, also a GP Connect
 * provider at {@code /WRONG} that answers with another patient's record whoever is asked
 * for. It runs with its stdin a pipe, so it stops when {@link #close()} closes the pipe, or
 * when this process dies. Needs node; runs {@code npm ci} when its packages are missing.
 */
public final class FhirTestServer implements AutoCloseable {
    public static final String HANGING = "Y9OOH";
    public static final String WRONG_PATIENT = "WRONG";
    private static final String DEMO_BASE = "http://127.0.0.1:8790";
    /** The demo patient's NHS number, and another valid one for someone else's record. */
    private static final String DEMO_NHS = "9990000026";
    private static final String OTHER_NHS = "9434765919";

    private final Process process;
    private final Path tmp;
    private final String base;

    private FhirTestServer(Process process, Path tmp, String base) {
        this.process = process;
        this.tmp = tmp;
        this.base = base;
    }

    /** The repository: the {@code icr.root} property (the pom sets it), else found upwards. */
    public static Path root() {
        String property = System.getProperty("icr.root");
        if (property != null && !property.isEmpty()) {
            return Path.of(property).toAbsolutePath().normalize();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("tests/fhir-server/fhir-server.mjs"))) {
                return p;
            }
        }
        throw new IllegalStateException("the repository (tests/fhir-server) is not above " + Path.of("").toAbsolutePath());
    }

    public static FhirTestServer start(boolean wrongPatient) throws IOException, InterruptedException {
        Path server = root().resolve("tests/fhir-server");
        if (!Files.isDirectory(server.resolve("node_modules"))) {
            Process npm = new ProcessBuilder("npm", "ci", "--silent", "--no-audit", "--no-fund")
                    .directory(server.toFile()).inheritIO().start();
            if (npm.waitFor() != 0) {
                throw new IOException("npm ci failed in " + server);
            }
        }
        List<String> command = new ArrayList<>(List.of("node", server.resolve("fhir-server.mjs").toString(),
                "--demo", "--port", "0", "--hang", HANGING));
        Path tmp = null;
        if (wrongPatient) {
            tmp = Files.createTempDirectory("icr-wrong-patient-");
            String gp = Files.readString(root().resolve("icr-core/demo/gp-practice.gpconnect-stu3.json"));
            if (!gp.contains(DEMO_NHS)) {
                throw new IllegalStateException("the demo GP record no longer names " + DEMO_NHS);
            }
            Path other = tmp.resolve("other-patient.gpconnect-stu3.json");
            Files.writeString(other, gp.replace(DEMO_NHS, OTHER_NHS));
            command.addAll(List.of("--any-patient", WRONG_PATIENT + "=" + other));
        }
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        // A server that never says it is listening is stopped after a minute.
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(60_000);
                process.destroyForcibly();
            } catch (InterruptedException e) {
                // started in time
            }
        });
        watchdog.setDaemon(true);
        watchdog.start();
        String base = null;
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = out.readLine()) != null; ) {
            if (line.startsWith("listening ")) {
                base = line.substring("listening ".length()).trim().replaceAll("/$", "");
                break;
            }
        }
        watchdog.interrupt();
        FhirTestServer started = new FhirTestServer(process, tmp, base);
        if (base == null) {
            started.close();
            throw new IOException("the FHIR test server did not start");
        }
        return started;
    }

    /** Where it listens, e.g. {@code http://127.0.0.1:41234}. */
    public String base() {
        return base;
    }

    /** icr-core/demo/directory.json pointing at this server. */
    public String directory() throws IOException {
        return directory(Map.of());
    }

    /**
     * icr-core/demo/directory.json pointing at this server, each source in {@code moved} (ODS
     * code to a path under the server, e.g. {@code Y90001 -> /WRONG}) moved there. The
     * out-of-hours service's bearer token is dropped, so that the SDK asks it (and it hangs)
     * rather than skipping it for want of a token.
     */
    public String directory(Map<String, String> moved) throws IOException {
        String json = Files.readString(root().resolve("icr-core/demo/directory.json"))
                .replace(DEMO_BASE, base)
                .replaceAll(",\\s*\"bearer_token_env\"\\s*:\\s*\"[^\"]*\"", "");
        for (Map.Entry<String, String> m : moved.entrySet()) {
            Pattern url = Pattern.compile("\"base_url\"\\s*:\\s*\"" + Pattern.quote(base + "/" + m.getKey()) + "\"");
            json = url.matcher(json).replaceAll(Matcher.quoteReplacement("\"base_url\": \"" + base + m.getValue() + "\""));
        }
        return json;
    }

    @Override
    public void close() throws IOException {
        process.getOutputStream().close();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        if (tmp != null) {
            try (Stream<Path> files = Files.walk(tmp)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
