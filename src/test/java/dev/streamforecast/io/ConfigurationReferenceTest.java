package dev.streamforecast.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.model.Setting;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ConfigurationReferenceTest {

    @Test
    void committedReferenceIsWhatTheSettingsTablesGive() throws IOException {
        Path committed = Path.of("docs/configuration.md");
        String expected = ConfigurationReference.markdown();
        String actual = Files.exists(committed) ? Files.readString(committed, StandardCharsets.UTF_8) : "";
        assertEquals(expected, actual, "docs/configuration.md differs from the settings tables; after "
                + "mvn -B -q package -DskipTests, write it again with: " + ConfigurationReference.COMMAND);
    }

    @Test
    void referenceListsEverySettingWithItsDefaultAndWhatItAccepts() {
        String page = ConfigurationReference.markdown();
        for (Setting<?> s : AppConfig.settings()) {
            assertTrue(page.contains("| `" + s.name + "` | " + (s.defaultText.isEmpty() ? "(none)"
                    : "`" + s.defaultText + "`") + " | " + s.accepts + " | "), s.name);
        }
    }
}
