package dev.streamforecast.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SettingTest {

    @Test
    void oneLineDeclaresNameDefaultAcceptedValuesAndMeaning() {
        Setting.Table t = new Setting.Table();
        Setting<Integer> horizon = t.integer("forecast.horizon", 1, "[1, 48]", "steps ahead");
        Setting<Double> rate = t.number("train.rate", 0.5, "(0, 1]", "a rate");

        assertEquals(List.of(horizon, rate), t.all());
        assertSame(rate, t.find("train.rate"));
        assertEquals("1", horizon.defaultText);
        assertEquals(1, horizon.defaultValue());
        assertEquals("an integer in [1, 48]", horizon.accepts);
        assertEquals("a number in (0, 1]", rate.accepts);
        assertEquals(12, horizon.parse(" 12 "));
        assertEquals(1.0, rate.parse("1"));
        assertEquals("invalid forecast.horizon = 49: expected an integer in [1, 48]",
                assertThrows(IllegalArgumentException.class, () -> horizon.parse("49")).getMessage());
        assertEquals("invalid train.rate = 0: expected a number in (0, 1]",
                assertThrows(IllegalArgumentException.class, () -> rate.parse("0")).getMessage());
        assertThrows(IllegalStateException.class, () -> t.integer("forecast.horizon", 2, "[1, 2]", "twice"));
    }

    @Test
    void numbersRefuseWhatIsNotFiniteAndOpenRangesReadAsBounds() {
        Setting<Double> s = new Setting.Table().number("x.y", 1, "[0, inf)", "any size");
        assertEquals("a number >= 0", s.accepts);
        for (String bad : List.of("NaN", "Infinity", "-0.5", "1,5", "")) {
            assertThrows(IllegalArgumentException.class, () -> s.parse(bad), bad);
        }
        assertEquals("invalid x.y = '': expected a number >= 0",
                assertThrows(IllegalArgumentException.class, () -> s.parse(" ")).getMessage());
    }

    @Test
    void choicesIgnoreCaseAndAreWrittenInLowerCase() {
        Setting.Table t = new Setting.Table();
        Setting<CellType> cell = t.choice("model.cell", CellType.LSTM, "cell");
        Setting<String> mode = t.choice("x.mode", "fast", List.of("fast", "slow"), "mode");
        assertEquals(CellType.GRU, cell.parse("Gru"));
        assertEquals("gru", cell.format(CellType.GRU));
        assertEquals("slow", mode.parse("SLOW"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> mode.parse("medium")).getMessage()
                .endsWith("expected one of fast, slow"));
    }

    @Test
    void aDefaultTheSettingRefusesFailsWhenTheTableIsBuilt() {
        assertThrows(IllegalArgumentException.class,
                () -> new Setting.Table().integer("x.y", 0, "[1, 2]", "default outside its range"));
    }
}
