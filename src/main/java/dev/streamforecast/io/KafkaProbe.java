package dev.streamforecast.io;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;

/**
 * Asks a Kafka cluster, before a job starts, whether it answers and has the job's topics, so that a wrong
 * address, missing credentials or a missing topic is one clear message instead of a job retrying for ever.
 */
public final class KafkaProbe {
    /** How long the cluster may take to answer each question; the whole probe takes at most about twice this. */
    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    private KafkaProbe() {}

    /**
     * What the cluster answered: notes for the user (a written topic that will be created on first use)
     * and the cluster's id, which names the cluster whose offsets a checkpoint holds (null if the
     * cluster did not say).
     */
    public record Answer(List<String> notes, String clusterId) {}

    /**
     * Checks that the cluster at {@code client}'s bootstrap servers answers within {@code timeout}, that
     * every topic in {@code read} exists, and that every topic in {@code written} exists or will be created
     * by the broker.
     *
     * @return notes for the user, e.g. that a written topic will be created on first use, and the cluster's id
     * @throws UserError naming the servers tried and what to check
     */
    public static Answer check(Properties client, Collection<String> read, Collection<String> written,
            Duration timeout) {
        String servers = client.getProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
        Properties p = new Properties();
        p.putAll(client);
        int ms = (int) timeout.toMillis();
        p.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(ms));
        p.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Integer.toString(ms));
        p.setProperty(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, Integer.toString(Math.min(ms, 5_000)));
        Admin admin;
        try {
            admin = Admin.create(p);
        } catch (RuntimeException e) {
            throw new UserError("cannot connect to Kafka at " + servers + ": " + rootMessage(e)
                    + "; check kafka.bootstrap-servers (host:port,...) and kafka.properties.*", e);
        }
        try (admin) {
            DescribeClusterResult cluster = admin.describeCluster(new DescribeClusterOptions().timeoutMs(ms));
            Collection<Node> nodes = get(cluster.nodes(), servers, timeout);
            String clusterId = get(cluster.clusterId(), servers, timeout);
            Set<String> topics = get(admin.listTopics(new ListTopicsOptions().timeoutMs(ms)).names(), servers, timeout);
            for (String t : read) {
                if (!topics.contains(t)) {
                    throw new UserError("topic '" + t + "' does not exist at " + servers + "; create it "
                            + "(deploy/create-topics.sh) or name another with kafka.input-topic");
                }
            }
            List<String> notes = new ArrayList<>();
            List<String> absent = written.stream().filter(t -> !topics.contains(t)).toList();
            if (absent.isEmpty()) {
                return new Answer(notes, clusterId);
            }
            Boolean autoCreate = autoCreate(admin, nodes, ms);
            if (Boolean.FALSE.equals(autoCreate)) {
                throw new UserError("topic(s) " + absent + " do not exist at " + servers + " and the broker does not "
                        + "create topics; create them (deploy/create-topics.sh) or name others in kafka.*-topic");
            }
            notes.add("topic(s) " + absent + " do not exist yet: " + (autoCreate == null
                    ? "the broker will create them on first write if its auto.create.topics.enable is on"
                    : "the broker will create them on first write (auto.create.topics.enable=true), with its "
                            + "default partitions and replication"));
            return new Answer(notes, clusterId);
        }
    }

    private static <T> T get(KafkaFuture<T> future, String servers, Duration timeout) {
        try {
            // the request has its own timeout; this bound only guards against a client that never completes
            return future.get(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted while asking Kafka at " + servers, e);
        } catch (TimeoutException e) {
            throw unreachable(servers, timeout, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof AuthenticationException) {
                throw new UserError("Kafka at " + servers + " refused to authenticate this client: " + cause.getMessage()
                        + "; check kafka.properties.security.protocol and the sasl.*/ssl.* settings", e);
            }
            if (cause instanceof AuthorizationException) {
                throw new UserError("Kafka at " + servers + " does not allow this client to describe the cluster or "
                        + "list topics: " + cause.getMessage() + "; check the ACLs of the client's principal", e);
            }
            if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw unreachable(servers, timeout, e);
            }
            throw new UserError("Kafka at " + servers + " did not answer as expected: " + rootMessage(e), e);
        }
    }

    private static UserError unreachable(String servers, Duration timeout, Exception e) {
        return new UserError("no Kafka broker answered at " + servers + " within " + timeout.toSeconds() + " s; "
                + "check that it runs and is reachable from here, and kafka.bootstrap-servers\n"
                + "(and kafka.properties.security.protocol, sasl.*, ssl.* if the cluster needs TLS or a login)", e);
    }

    /** The broker's auto.create.topics.enable, or null if it may not be read. */
    private static Boolean autoCreate(Admin admin, Collection<Node> nodes, int ms) {
        if (nodes.isEmpty()) {
            return null;
        }
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, nodes.iterator().next().idString());
        try {
            Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(broker),
                    new DescribeConfigsOptions().timeoutMs(ms)).all().get(ms + 5_000L, TimeUnit.MILLISECONDS);
            ConfigEntry e = configs.get(broker).get("auto.create.topics.enable");
            return e == null || e.value() == null ? null : Boolean.valueOf(e.value());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException e) {
            return null;
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
