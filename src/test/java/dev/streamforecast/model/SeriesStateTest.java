package dev.streamforecast.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.testutil.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class SeriesStateTest {

    static SeriesState trained(CellType cell) {
        ModelConfig c = ModelConfig.builder().cell(cell).layers(2).hidden(6).features(List.of("a"))
                .k1(3).k2(7).build();
        OnlineForecaster f = new OnlineForecaster(c);
        SeriesState s = f.newState("key");
        Prediction p = new Prediction();
        double[] y = Fixtures.noisySine(200, 17, 0.1, 9);
        for (int t = 0; t < y.length; t++) {
            f.observe(s, y[t], new double[] {t % 7}, p);
        }
        return s;
    }

    static byte[] bytes(SeriesState s) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        s.writeTo(new DataOutputStream(bos));
        return bos.toByteArray();
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void binaryRoundTripIsBitExact(CellType cell) throws IOException {
        SeriesState s = trained(cell);
        SeriesState back = SeriesState.readFrom(new DataInputStream(new ByteArrayInputStream(bytes(s))));
        assertEquals(s, back);
        assertEquals(java.util.Arrays.toString(bytes(s)), java.util.Arrays.toString(bytes(back)));
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void parametersAndMomentsAreKeptAtFloat32PrecisionAndStoredInFourBytes(CellType cell) throws IOException {
        SeriesState s = trained(cell);
        for (double[][] tensors : new double[][][] {s.params, s.adamM, s.adamV}) {
            for (double[] t : tensors) {
                for (double v : t) {
                    assertTrue(Float32.isExact(v), v + " is not a float32 value");
                }
            }
        }
        int values = 0;
        for (double[] t : s.params) {
            values += t.length;
        }
        assertEquals(bytes(s).length + 4 * 3 * values, versionOne(bytes(s)).length,
                "version 2 stores parameters and both moments in half the bytes of version 1");
    }

    @Test
    void aVersionOneStateIsReadWithItsValuesRoundedToFloat32() throws IOException {
        SeriesState s = trained(CellType.LSTM);
        byte[] v1 = versionOne(bytes(s));
        assertEquals(s, SeriesState.readFrom(new DataInputStream(new ByteArrayInputStream(v1))));

        // a version-1 parameter that a float does not hold comes back rounded
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bos);
        out.writeInt(1);
        out.writeInt(1);
        out.writeInt(1);
        out.writeDouble(0.1);
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(v1));
        in.readInt();
        skipTensors(in, 8);
        out.write(in.readAllBytes());
        SeriesState back = SeriesState.readFrom(new DataInputStream(new ByteArrayInputStream(bos.toByteArray())));
        assertEquals((double) 0.1f, back.params[0][0]);
    }

    /** The same state in schema version 1, which held parameters and moments as doubles. */
    private static byte[] versionOne(byte[] v2) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(v2));
        assertEquals(2, in.readInt());
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bos);
        out.writeInt(1);
        for (int group = 0; group < 3; group++) {
            int tensors = in.readInt();
            out.writeInt(tensors);
            for (int i = 0; i < tensors; i++) {
                int n = in.readInt();
                out.writeInt(n);
                for (int j = 0; j < n; j++) {
                    out.writeDouble(Float32.read(in));
                }
            }
        }
        out.write(in.readAllBytes());
        return bos.toByteArray();
    }

    /** Skips one group of version-1 tensors (doubles of {@code bytesPerValue} bytes). */
    private static void skipTensors(DataInputStream in, int bytesPerValue) throws IOException {
        int tensors = in.readInt();
        for (int i = 0; i < tensors; i++) {
            in.skipNBytes((long) in.readInt() * bytesPerValue);
        }
    }

    @Test
    void copyIsDeepAndComplete() throws IOException {
        SeriesState s = trained(CellType.LSTM);
        SeriesState c = s.copy();
        assertEquals(s, c);
        assertNotSame(s.params, c.params);
        assertEquals(java.util.Arrays.toString(bytes(s)), java.util.Arrays.toString(bytes(c)));
    }

    @Test
    void anUnknownSchemaVersionIsRefusedWithItsNumber() throws IOException {
        byte[] b = bytes(trained(CellType.RNN));
        b[3] = 99;
        IOException e = assertThrows(IOException.class,
                () -> SeriesState.readFrom(new DataInputStream(new ByteArrayInputStream(b))));
        assertEquals(true, e.getMessage().contains("99"), e.getMessage());
    }

    @Test
    void restoredStateContinuesWithIdenticalForecasts() throws IOException {
        ModelConfig c = ModelConfig.builder().k1(4).k2(10).build();
        OnlineForecaster f = new OnlineForecaster(c);
        double[] y = Fixtures.noisySine(400, 21, 0.1, 10);
        SeriesState a = f.newState("k");
        Prediction p = new Prediction();
        for (int t = 0; t < 250; t++) {
            f.observe(a, y[t], null, p);
        }
        SeriesState b = SeriesState.readFrom(new DataInputStream(new ByteArrayInputStream(bytes(a))));
        Prediction q = new Prediction();
        for (int t = 250; t < y.length; t++) {
            f.observe(a, y[t], null, p);
            f.observe(b, y[t], null, q);
            assertEquals(Double.doubleToLongBits(p.forecast), Double.doubleToLongBits(q.forecast));
        }
        assertEquals(a, b);
    }
}
