package dev.streamforecast.testutil;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for a process a test starts and configures. A port the system hands out for port 0 is in its
 * ephemeral range (32768-60999 on Linux), where any socket bound to port 0 in the meantime (a Flink
 * JobManager's blob server, say) may take it before the process binds it; a port below that range is
 * given out only on request, so once found free it stays free for whoever was told it.
 */
public final class Ports {
    private static final int FROM = 20_000;
    private static final int TO = 32_000;

    private Ports() {}

    /** A port on localhost that was free just now, below the ephemeral range. */
    public static int free() throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(FROM, TO);
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException taken) {
                last = taken;
            }
        }
        throw new IOException("no free port in [" + FROM + ", " + TO + ") after 200 tries", last);
    }
}
