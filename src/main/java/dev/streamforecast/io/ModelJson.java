package dev.streamforecast.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamforecast.model.AnomalyScore;
import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.ParameterLayout;
import dev.streamforecast.model.PooledCovariance;
import dev.streamforecast.model.SeriesState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON form of a model: its configuration and a {@link SeriesState}, for export and warm starts.
 *
 * <p>Doubles are written in Java's shortest round-trip form, so reading gives back the same bits; a
 * non-finite value (which a state no longer holds) is written as null. A file without the columns'
 * units (written before they existed) is read as a state in the series' own units
 * ({@link SeriesState#adoptRawUnits}).
 */
public final class ModelJson {
    public static final String FORMAT = "forecaster-model";
    /** Version of this JSON form, independent of the binary state form's version. */
    public static final int SCHEMA = 1;
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ModelJson() {}

    /**
     * A configuration with one key's trained state; exported from shared scope, the state's weights and
     * moments are the shared network's, and {@link #pool} its linear parts' pooled covariance.
     */
    public static final class Model {
        public final ModelConfig config;
        public final SeriesState state;
        public final String key;
        /** The pooled covariance of a shared network's linear parts, or null. */
        public final PooledCovariance pool;

        public Model(ModelConfig config, SeriesState state, String key, PooledCovariance pool) {
            this.config = config;
            this.state = state;
            this.key = key;
            this.pool = pool;
        }
    }

    public static String write(ModelConfig config, SeriesState s, String key) {
        return write(config, s, key, null);
    }

    /** {@link #write(ModelConfig, SeriesState, String)} with a shared network's pooled covariance. */
    public static String write(ModelConfig config, SeriesState s, String key, PooledCovariance pool) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", FORMAT);
        root.put("schema", SCHEMA);
        root.put("key", key);
        ObjectNode cfg = root.putObject("config");
        config.toMap().forEach(cfg::put);
        ObjectNode st = root.putObject("state");
        ParameterLayout layout = ParameterLayout.of(config);
        array(st, "params", layout.flatten(s.params));
        array(st, "adamM", s.adamM.length == 0 ? new double[0] : layout.flatten(s.adamM));
        array(st, "adamV", s.adamV.length == 0 ? new double[0] : layout.flatten(s.adamV));
        st.put("adamStep", s.adamStep);
        array(st, "hidden", s.hidden);
        array(st, "snapshots", s.snapshots);
        ArrayNode steps = st.putArray("snapshotSteps");
        for (long v : s.snapshotSteps) {
            steps.add(v);
        }
        st.put("nextSnapshot", s.nextSnapshot);
        array(st, "window", s.window);
        array(st, "mean", s.mean);
        array(st, "variance", s.variance);
        number(st, "deltaMean", s.deltaMean);
        number(st, "deltaVariance", s.deltaVariance);
        st.put("events", s.events);
        st.put("updates", s.updates);
        number(st, "lastValue", s.lastValue);
        number(st, "lastForecast", s.lastForecast);
        number(st, "residualVariance", s.residualVariance);
        st.put("residuals", s.residuals);
        if (s.linear != null) {
            // the linear part's own binary form: exact, and versioned by its class
            st.put("linear", base64(s.linear::writeTo));
        }
        array(st, "linearWindow", s.linearWindow);
        ArrayNode exponent = st.putArray("exponent");
        for (int v : s.exponent) {
            exponent.add(v);
        }
        array(st, "magnitude", s.magnitude);
        ArrayNode nonzero = st.putArray("nonzero");
        for (long v : s.nonzero) {
            nonzero.add(v);
        }
        number(st, "changeLog", s.changeLog);
        st.put("changes", s.changes);
        number(st, "errorLog", s.errorLog);
        st.put("errors", s.errors);
        st.put("outlierRun", s.outlierRun);
        array(st, "heldOut", s.heldOut);
        if (s.horizon != null) {
            // the horizon's state in its own binary form, as the linear part's
            st.put("horizon", base64(s.horizon::writeTo));
        }
        if (pool != null) {
            root.put("pool", base64(pool::writeTo));
        }
        if (s.anomaly != null) {
            st.put("anomaly", base64(s.anomaly::writeTo));
        }
        try {
            return MAPPER.writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write model JSON", e);
        }
    }

    public static Model read(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("model file is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !FORMAT.equals(root.path("format").asText())) {
            throw new IllegalArgumentException("not a model file: expected \"format\": \"" + FORMAT + "\"");
        }
        int schema = root.path("schema").asInt(-1);
        if (schema != SCHEMA) {
            throw new IllegalArgumentException("unsupported model schema " + schema + " (this build reads "
                    + SCHEMA + ")");
        }
        Map<String, String> cfg = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = root.path("config").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            cfg.put(e.getKey(), e.getValue().asText());
        }
        ModelConfig config = ModelConfig.fromMap(cfg);
        JsonNode st = root.path("state");
        SeriesState s = new SeriesState();
        ParameterLayout layout = ParameterLayout.of(config);
        s.params = tensors(layout, st, "params");
        s.adamM = tensors(layout, st, "adamM");
        s.adamV = tensors(layout, st, "adamV");
        s.adamStep = st.path("adamStep").asLong();
        s.hidden = doubles(st, "hidden");
        s.snapshots = doubles(st, "snapshots");
        JsonNode steps = st.path("snapshotSteps");
        s.snapshotSteps = new long[steps.size()];
        for (int i = 0; i < steps.size(); i++) {
            s.snapshotSteps[i] = steps.get(i).asLong();
        }
        s.nextSnapshot = st.path("nextSnapshot").asInt();
        s.window = doubles(st, "window");
        s.mean = doubles(st, "mean");
        s.variance = doubles(st, "variance");
        s.deltaMean = number(st, "deltaMean");
        s.deltaVariance = number(st, "deltaVariance");
        s.events = st.path("events").asLong();
        s.updates = st.path("updates").asLong();
        s.lastValue = number(st, "lastValue");
        s.lastForecast = number(st, "lastForecast");
        s.residualVariance = number(st, "residualVariance");
        s.residuals = st.path("residuals").asLong();
        if (st.hasNonNull("linear")) {
            byte[] bytes = java.util.Base64.getDecoder().decode(st.get("linear").asText());
            try {
                s.linear = dev.streamforecast.model.OnlineAutoRegression.State.readFrom(
                        new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes)));
            } catch (IOException e) {
                throw new IllegalArgumentException("model state 'linear' is corrupt: " + e.getMessage(), e);
            }
        }
        s.linearWindow = st.has("linearWindow") ? doubles(st, "linearWindow") : new double[0];
        if (st.has("exponent")) {
            JsonNode exponent = st.get("exponent");
            s.exponent = new int[exponent.size()];
            for (int i = 0; i < s.exponent.length; i++) {
                s.exponent[i] = exponent.get(i).asInt();
            }
            s.magnitude = doubles(st, "magnitude");
            JsonNode nonzero = st.path("nonzero");
            s.nonzero = new long[nonzero.size()];
            for (int i = 0; i < s.nonzero.length; i++) {
                s.nonzero[i] = nonzero.get(i).asLong();
            }
            s.changeLog = number(st, "changeLog");
            s.changes = st.path("changes").asLong();
            if (st.has("errorLog")) {
                s.errorLog = number(st, "errorLog");
                s.errors = st.path("errors").asLong();
                s.outlierRun = st.path("outlierRun").asInt();
                s.heldOut = doubles(st, "heldOut");
            } else {
                s.adoptTypicalError();
            }
            if (st.hasNonNull("horizon")) {
                byte[] bytes = java.util.Base64.getDecoder().decode(st.get("horizon").asText());
                try {
                    s.horizon = dev.streamforecast.model.Horizon.State.readFrom(
                            new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes)));
                } catch (IOException e) {
                    throw new IllegalArgumentException("model state 'horizon' is corrupt: " + e.getMessage(), e);
                }
            }
            s.anomaly = st.hasNonNull("anomaly") ? binary(st, "anomaly", AnomalyScore.State::readFrom) : null;
        } else {
            s.adoptRawUnits();
        }
        SeriesState expected = SeriesState.allocate(config);
        if (expected.hidden.length != s.hidden.length || expected.window.length != s.window.length
                || expected.snapshots.length != s.snapshots.length || expected.mean.length != s.mean.length
                || expected.exponent.length != s.exponent.length || expected.magnitude.length != s.magnitude.length
                || expected.nonzero.length != s.nonzero.length || (expected.linear == null) != (s.linear == null)) {
            throw new IllegalArgumentException("model state does not match its configuration "
                    + config.describe());
        }
        PooledCovariance pool = null;
        if (root.hasNonNull("pool")) {
            byte[] bytes = java.util.Base64.getDecoder().decode(root.get("pool").asText());
            try {
                pool = PooledCovariance.readFrom(new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes)));
            } catch (IOException e) {
                throw new IllegalArgumentException("model 'pool' is corrupt: " + e.getMessage(), e);
            }
        }
        return new Model(config, s, root.path("key").asText(null), pool);
    }

    public static void writeFile(Path file, ModelConfig config, SeriesState s, String key) throws IOException {
        Files.writeString(file, write(config, s, key));
    }

    public static Model readFile(Path file) throws IOException {
        return read(Files.readString(file));
    }

    private static void array(ObjectNode node, String name, double[] values) {
        ArrayNode a = node.putArray(name);
        for (double v : values) {
            a.add(v);
        }
    }

    private static void number(ObjectNode node, String name, double v) {
        if (Double.isFinite(v)) {
            node.put(name, v);
        } else {
            node.putNull(name);
        }
    }

    private static double number(JsonNode node, String name) {
        JsonNode v = node.get(name);
        return v == null || v.isNull() ? Double.NaN : v.asDouble();
    }

    /** A flat array split into the layout's tensors; an empty array (no optimiser moments) stays empty. */
    private static double[][] tensors(ParameterLayout layout, JsonNode node, String name) {
        double[] flat = doubles(node, name);
        if (flat.length == 0 && !name.equals("params")) {
            return new double[0][];
        }
        if (flat.length != layout.size) {
            throw new IllegalArgumentException("model state '" + name + "' has " + flat.length
                    + " values, its configuration needs " + layout.size);
        }
        return layout.unflatten(flat);
    }

    private static double[] doubles(JsonNode node, String name) {
        JsonNode a = node.path(name);
        if (!a.isArray()) {
            throw new IllegalArgumentException("model state is missing the array '" + name + "'");
        }
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asDouble();
        }
        return out;
    }

    /** A binary form written by {@code writer}, in base64. */
    private static String base64(BinaryWriter writer) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try {
            writer.writeTo(new java.io.DataOutputStream(bytes));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return java.util.Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    private interface BinaryWriter {
        void writeTo(java.io.DataOutput out) throws IOException;
    }

    /** The binary form in base64 at {@code name}, read by {@code reader}. */
    private static <T> T binary(JsonNode st, String name, BinaryReader<T> reader) {
        byte[] bytes = java.util.Base64.getDecoder().decode(st.get(name).asText());
        try {
            return reader.readFrom(new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes)));
        } catch (IOException e) {
            throw new IllegalArgumentException("model state '" + name + "' is corrupt: " + e.getMessage(), e);
        }
    }

    private interface BinaryReader<T> {
        T readFrom(java.io.DataInput in) throws IOException;
    }
}
