package dev.streamforecast.stream;

import dev.streamforecast.event.Observation;

/**
 * What {@link ForecastFunction} drives for each key, whatever the model's scope: {@link ForecastCore}
 * (a model per key) or {@link SharedForecastCore} (a network shared by the subtask's keys).
 */
interface KeyedForecasting {
    /** Takes {@code obs} for its key; the key's record after an accepted event, null after a refusal. */
    KeyRecord accept(Observation obs, ForecastCore.KeyState state, ForecastCore.Output output) throws Exception;

    /**
     * Uses the waiting events of the key in {@code r}, in time order, when the key falls silent; a held
     * event stays held. The caller stores {@code r}.
     */
    void flush(KeyRecord r, ForecastCore.KeyState state, ForecastCore.Output output) throws Exception;

    /**
     * Uses every event the key in {@code r} keeps, its held one too, in time order: at the end of the
     * input or before the key's state is dropped. The caller stores {@code r}.
     */
    void finish(KeyRecord r, ForecastCore.KeyState state, ForecastCore.Output output) throws Exception;

    /** The caller dropped a key's whole state. */
    void dropped();
}
