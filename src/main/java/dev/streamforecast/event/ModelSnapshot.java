package dev.streamforecast.event;

import java.util.Objects;

/** One key's trained model in its JSON form, emitted at the end of a bounded replay for export. */
public class ModelSnapshot {
    public String key;
    public String json;

    public ModelSnapshot() {}

    public ModelSnapshot(String key, String json) {
        this.key = key;
        this.json = json;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelSnapshot && Objects.equals(key, ((ModelSnapshot) o).key)
                && Objects.equals(json, ((ModelSnapshot) o).json);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, json);
    }
}
