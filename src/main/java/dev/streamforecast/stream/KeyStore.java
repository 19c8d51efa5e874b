package dev.streamforecast.stream;

/** A key's keyed state as {@link ForecastFunction} uses it: what the forecasting reads and writes, and dropping it all. */
interface KeyStore extends ForecastCore.KeyState {
    /** Drops everything the current key has. */
    void clear() throws Exception;
}
