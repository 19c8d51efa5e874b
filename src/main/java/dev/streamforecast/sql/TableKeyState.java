package dev.streamforecast.sql;

import dev.streamforecast.event.Observation;
import dev.streamforecast.model.SeriesState;
import dev.streamforecast.stream.ForecastCore;
import dev.streamforecast.stream.KeyRecord;
import java.util.Map;
import org.apache.flink.table.api.dataview.MapView;

/**
 * The current key's state as the SQL function holds it: in map views, each read and written entry by
 * entry as the DataStream operator's keyed states are, with the same serializers. The record, the
 * weights and the moments are one entry each, under {@link #ONLY}; waiting events are keyed by time.
 */
final class TableKeyState implements ForecastCore.KeyState {
    /** The key of the single entry of the record, weights and moments views. */
    static final Integer ONLY = 0;

    private MapView<Integer, KeyRecord> records;
    private MapView<Integer, SeriesState> weights;
    private MapView<Integer, SeriesState> moments;
    private MapView<Long, Observation> pending;
    private boolean created;

    /** Points this at the state of the key being handled. */
    void bind(MapView<Integer, KeyRecord> records, MapView<Integer, SeriesState> weights,
            MapView<Integer, SeriesState> moments, MapView<Long, Observation> pending) {
        this.records = records;
        this.weights = weights;
        this.moments = moments;
        this.pending = pending;
        this.created = false;
    }

    /** Whether the key had no record when {@link #record} was last asked for it. */
    boolean created() {
        return created;
    }

    @Override
    public KeyRecord record() throws Exception {
        KeyRecord r = records.get(ONLY);
        created = r == null;
        return r;
    }

    @Override
    public void putRecord(KeyRecord r) throws Exception {
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
    }

    @Override
    public void clearModel() {
        weights.clear();
        moments.clear();
    }

    @Override
    public boolean contains(long ts) throws Exception {
        return pending.contains(ts);
    }

    @Override
    public void put(Observation obs) throws Exception {
        pending.put(obs.ts, obs);
    }

    @Override
    public Iterable<Map.Entry<Long, Observation>> waiting() throws Exception {
        return pending.entries();
    }

    @Override
    public void removeWaiting(long ts) throws Exception {
        pending.remove(ts);
    }
}
