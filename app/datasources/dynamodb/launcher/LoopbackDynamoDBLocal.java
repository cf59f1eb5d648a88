/*
 * Runs Amazon's DynamoDB Local with its HTTP server bound to 127.0.0.1 only.
 *
 * DynamoDB Local has no bind-address option: its DynamoDBProxyServer builds a Jetty
 * `new Server(port)`, whose connector listens on every interface. A database that Strawsync
 * starts for the user must not be reachable from the network, so this launcher builds the
 * server exactly as DynamoDB Local's own ServerRunner does (same options, same handlers),
 * then sets each connector's host to 127.0.0.1 before the server opens its socket.
 *
 * Usage: LoopbackDynamoDBLocal -portFile <path> [DynamoDB Local options ...]
 *
 * "-port 0" asks for a free port, picked by the kernel at bind time (no race); once the
 * server listens, the launcher writes "127.0.0.1:<port>" to the port file (atomically), so
 * the parent learns the port and that the socket is open. Telemetry is never configured.
 *
 * The launcher exits when its standard input reaches end-of-file: the parent holds the other
 * end of that pipe, so the engine never outlives Strawsync, even one killed by SIGKILL.
 *
 * Compiled by Strawsync on first use against the jar's classpath (see local_engine.py).
 */

import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public final class LoopbackDynamoDBLocal {
    static final String HOST = "127.0.0.1";

    /** Any valid port: DynamoDB Local's option parser rejects 0; the connector gets 0 later. */
    private static final String PLACEHOLDER_PORT = "8000";

    private LoopbackDynamoDBLocal() {}

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable error) {
            // Exit even if Jetty already started non-daemon threads; end with a one-line cause.
            error.printStackTrace();
            StringBuilder summary = new StringBuilder("LoopbackDynamoDBLocal: could not start: ");
            summary.append(error);
            for (Throwable cause = error.getCause(); cause != null; cause = cause.getCause()) {
                summary.append(" (caused by ").append(cause).append(')');
            }
            System.err.println(summary);
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        Path portFile = null;
        boolean ephemeral = false;
        List<String> engineArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-portFile") && i + 1 < args.length) {
                portFile = Paths.get(args[++i]);
            } else if (args[i].equals("-port") && i + 1 < args.length && args[i + 1].equals("0")) {
                ephemeral = true;
                engineArgs.add("-port");
                engineArgs.add(PLACEHOLDER_PORT);
                i++;
            } else {
                engineArgs.add(args[i]);
            }
        }
        if (portFile == null) {
            fail("usage: LoopbackDynamoDBLocal -portFile <path> [DynamoDB Local options ...]");
        }

        DynamoDBProxyServer proxy =
                ServerRunner.createServerFromCommandLineArgs(engineArgs.toArray(new String[0]));
        Server server = jettyServer(proxy);
        List<ServerConnector> connectors = new ArrayList<>();
        for (Connector connector : server.getConnectors()) {
            if (!(connector instanceof ServerConnector)) {
                fail("unexpected Jetty connector " + connector.getClass().getName());
            }
            ServerConnector serverConnector = (ServerConnector) connector;
            serverConnector.setHost(HOST);
            if (ephemeral) {
                serverConnector.setPort(0);
            }
            connectors.add(serverConnector);
        }
        if (connectors.size() != 1) {
            fail("expected one Jetty connector, found " + connectors.size());
        }

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                proxy.stop();
            } catch (Exception e) {
                System.err.println("LoopbackDynamoDBLocal: error while stopping: " + e);
            }
        }, "strawsync-stop"));

        Thread watchdog =
                new Thread(LoopbackDynamoDBLocal::exitWhenStdinCloses, "strawsync-stdin");
        watchdog.setDaemon(true);
        watchdog.start();

        proxy.safeStart();
        ServerConnector connector = connectors.get(0);
        if (!server.isStarted() || connector.getLocalPort() <= 0) {
            fail("DynamoDB Local did not start");
        }
        if (!HOST.equals(connector.getHost())) {
            fail("connector is bound to " + connector.getHost() + ", not " + HOST);
        }
        String address = HOST + ":" + connector.getLocalPort();
        System.out.println("LoopbackDynamoDBLocal: listening on " + address);
        writeAtomically(portFile, address + "\n");
        proxy.join();
    }

    private static void exitWhenStdinCloses() {
        byte[] buffer = new byte[256];
        try {
            while (System.in.read(buffer) >= 0) {
                // Input is ignored; only its end matters.
            }
        } catch (Exception e) {
            // A broken pipe means the parent is gone too.
        }
        System.exit(0);
    }

    /** DynamoDBProxyServer keeps its Jetty server private; reach it to set the host. */
    private static Server jettyServer(DynamoDBProxyServer proxy)
            throws ReflectiveOperationException {
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        return (Server) field.get(proxy);
    }

    private static void writeAtomically(Path path, String text) throws Exception {
        Path partial = path.resolveSibling(path.getFileName() + ".partial");
        Files.write(partial, text.getBytes(StandardCharsets.UTF_8));
        Files.move(
                partial, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void fail(String message) {
        System.err.println("LoopbackDynamoDBLocal: " + message);
        System.exit(2);
    }
}
