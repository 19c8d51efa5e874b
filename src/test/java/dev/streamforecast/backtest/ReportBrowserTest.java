package dev.streamforecast.backtest;

import static dev.streamforecast.testutil.ReportFixtures.hourly;
import static dev.streamforecast.testutil.ReportFixtures.rows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opens written reports in a real headless Chromium; skipped where none is installed. */
class ReportBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Pattern BODY = Pattern.compile("<body([^>]*)>");

    @TempDir
    Path dir;

    @Test
    void everyChartRendersWithoutErrorIncludingDownsampledAndHostileKeys() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "no Chromium at " + CHROMIUM);
        Report.Series longSeries = hourly("OT", 30_000, 2);
        longSeries.actual()[12_345] = 40;
        List<Report.Series> series = List.of(hourly("HUFL", 2_000, 1), longSeries,
                hourly("</script><b>\u00fc</b>", 50, 3), hourly("empty", 0, 4));
        Path page = dir.resolve("report.html");
        Report.write(page, "Browser check", series, rows("HUFL", 0.3), Map.of("model.hidden", "32"),
                List.of("rendered by " + CHROMIUM));

        Map<String, String> body = bodyAttributes(dumpDom(page));

        assertNull(body.get("data-render-error"), "render error");
        assertEquals(String.valueOf(2 * series.size()), body.get("data-rendered"));
    }

    private String dumpDom(Path page) throws IOException, InterruptedException {
        Path profile = Files.createDirectory(dir.resolve("profile"));
        Path out = dir.resolve("dom.html");
        Path err = dir.resolve("chromium.log");
        Process p = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile, "--virtual-time-budget=10000", "--dump-dom",
                page.toUri().toString())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        // a generous bound against a hung browser; a normal run takes a few seconds
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("Chromium did not finish; log: " + Files.readString(err, StandardCharsets.UTF_8));
        }
        String dom = Files.readString(out, StandardCharsets.UTF_8);
        assertTrue(p.exitValue() == 0 && dom.contains("<body"),
                "Chromium exited with " + p.exitValue() + "; log: " + Files.readString(err, StandardCharsets.UTF_8));
        return dom;
    }

    private static Map<String, String> bodyAttributes(String dom) {
        Matcher body = BODY.matcher(dom);
        assertTrue(body.find(), "no body element in the dumped DOM");
        Map<String, String> attributes = new TreeMap<>();
        Matcher a = Pattern.compile("([\\w-]+)=\"([^\"]*)\"").matcher(body.group(1));
        while (a.find()) {
            attributes.put(a.group(1), a.group(2));
        }
        return attributes;
    }
}
