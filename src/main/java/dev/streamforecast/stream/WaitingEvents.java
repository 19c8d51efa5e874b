package dev.streamforecast.stream;

import dev.streamforecast.event.Observation;
import java.util.Map;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The current key's events waiting to be used, by event time, in the keyed map state {@code pending}
 * (its name and types as in every earlier version, so savepoints restore into it): the part of a key's
 * state that both scopes keep alike.
 */
abstract class WaitingEvents implements KeyStore {
    protected final MapState<Long, Observation> pending;

    WaitingEvents(RuntimeContext context) {
        pending = context.getMapState(new MapStateDescriptor<>("pending", Types.LONG,
                TypeInformation.of(Observation.class)));
    }

    @Override
    public boolean contains(long ts) throws Exception {
        return pending.contains(ts);
    }

    @Override
    public void put(Observation obs) throws Exception {
        // a waiting event is never refused later (a held one may be: see hold), so its original bytes need not be kept
        obs.payload = null;
        pending.put(obs.ts, obs);
    }

    @Override
    public void hold(Observation obs) throws Exception {
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
