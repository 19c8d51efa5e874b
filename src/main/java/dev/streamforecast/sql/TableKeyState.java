package dev.streamforecast.sql;

import dev.streamforecast.event.Observation;
import dev.streamforecast.model.SeriesState;
import dev.streamforecast.stream.ForecastCore;
import dev.streamforecast.stream.KeyRecord;
import dev.streamforecast.stream.StateShape;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.table.api.dataview.MapView;

/**
 * The current key's state as the SQL function holds it: in map views, each read and written entry by
 * entry as the DataStream operator's keyed states are, with the same serializers. The record (with the
 * series' waiting rows), the weights and the moments are one entry each, under {@link #ONLY}. Earlier
 * layouts kept waiting rows in {@code pending}, keyed by time: still declared so that their savepoints
 * restore, and moved into the record when the series is next touched.
 * With the model's weights goes the call's config they were stored under, as text: a timer that fires
 * before any row has brought the config reads it, and a restore under other shaping settings names them.
 */
final class TableKeyState implements ForecastCore.KeyState {
    /** The key of the single entry of the record, weights and moments views. */
    static final Integer ONLY = 0;

    private MapView<Integer, KeyRecord> records;
    private MapView<Integer, SeriesState> weights;
    private MapView<Integer, SeriesState> moments;
    private MapView<Long, Observation> pending;
    private MapView<Integer, String> settings;
    private String config;

    /** Points this at the state of the key being handled. */
    void bind(MapView<Integer, KeyRecord> records, MapView<Integer, SeriesState> weights,
            MapView<Integer, SeriesState> moments, MapView<Long, Observation> pending,
            MapView<Integer, String> settings) {
        this.records = records;
        this.weights = weights;
        this.moments = moments;
        this.pending = pending;
        this.settings = settings;
    }

    /** The config (as {@link #text}) a model stored from now on is stored under. */
    void storeUnder(String config) {
        this.config = config;
    }

    /** A config as stored: its entries sorted, one {@code key=value} a line. */
    static String text(Map<String, String> config) {
        StringBuilder b = new StringBuilder();
        new TreeMap<>(config).forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
        return b.toString();
    }

    /** The config the key's model was last stored under, or null for a key without a model. */
    Map<String, String> madeUnder() throws Exception {
        String text = settings.get(ONLY);
        if (text == null) {
            return null;
        }
        Map<String, String> m = new TreeMap<>();
        text.lines().forEach(line -> m.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1)));
        return m;
    }

    @Override
    public StateShape shapeMadeUnder() throws Exception {
        Map<String, String> m = madeUnder();
        return m == null ? null : StateShape.of(FunctionSettings.of(m).model);
    }

    @Override
    public KeyRecord record() throws Exception {
        KeyRecord r = records.get(ONLY);
        if (r != null && r.eventsInMap()) {
            r.adoptFromMap(pending.values());
        }
        return r;
    }

    /** Stores the record; a record that took the earlier layout's waiting rows empties their map. */
    @Override
    public void putRecord(KeyRecord r) throws Exception {
        if (r.eventsInMap()) {
            pending.clear();
            r.mapEmptied();
        }
        records.put(ONLY, r);
    }

    @Override
    public SeriesState storedPart(SeriesState.Part part) throws Exception {
        return (part == SeriesState.Part.WEIGHTS ? weights : moments).get(ONLY);
    }

    @Override
    public void putModel(KeyRecord r) throws Exception {
        weights.put(ONLY, r.model);
        moments.put(ONLY, r.model);
        settings.put(ONLY, config);
    }

    @Override
    public void clearModel() {
        weights.clear();
        moments.clear();
        settings.clear();
    }

}
