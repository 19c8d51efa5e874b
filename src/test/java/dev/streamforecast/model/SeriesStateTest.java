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
        int values = 0;
        for (double[] t : s.params) {
            values += t.length;
            for (double v : t) {
                assertTrue(Float32.isExact(v), v + " is not a float32 value");
            }
        }
        // version, tensor count, then per tensor its length, four bytes a value and a count of escapes
        int tensorHeaders = 4 + 8 * s.params.length;
        assertEquals(4 + tensorHeaders + 4 * values, part(s, SeriesState.Part.WEIGHTS).length);
        assertEquals(4 + 2 * (tensorHeaders + 4 * values) + 8, part(s, SeriesState.Part.MOMENTS).length);
    }

    private static byte[] part(SeriesState s, SeriesState.Part part) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        s.write(part, new DataOutputStream(bos));
        return bos.toByteArray();
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void partsStoredApartReassembleTheWholeState(CellType cell) throws IOException {
        SeriesState s = trained(cell);
        SeriesState whole = new SeriesState();
        for (SeriesState.Part part : SeriesState.Part.values()) {
            SeriesState alone = new SeriesState();
            alone.read(part, new DataInputStream(new ByteArrayInputStream(part(s, part))));
            for (SeriesState.Part other : SeriesState.Part.values()) {
                assertEquals(other == part, alone.has(other), part + " read alone holds " + other);
            }
            whole.adopt(part, alone);
        }
        assertEquals(s, whole);
        SeriesState copied = new SeriesState();
        for (SeriesState.Part part : SeriesState.Part.values()) {
            SeriesState c = s.copy(part);
            assertEquals(java.util.Arrays.toString(part(s, part)), java.util.Arrays.toString(part(c, part)));
            copied.adopt(part, c);
        }
        assertEquals(s, copied);
        assertNotSame(s.hidden, copied.hidden);
        assertNotSame(s.adamM[0], copied.adamM[0]);
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
