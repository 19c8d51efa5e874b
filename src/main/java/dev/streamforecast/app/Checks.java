package dev.streamforecast.app;

import dev.streamforecast.io.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Checks of the files a user names, made before anything expensive starts; each failure is a {@link UserError}. */
public final class Checks {
    private Checks() {}

    /** {@code file} exists, is a file and can be read. */
    public static Path readableFile(Path file, String option) {
        if (Files.isDirectory(file)) {
            throw new UserError(option + " " + file + " is a folder: give a file in it");
        }
        if (!Files.exists(file)) {
            throw new UserError(option + " " + file + ": no such file"
                    + (file.isAbsolute() ? "" : " in " + Path.of("").toAbsolutePath()) + "; check the path");
        }
        if (!Files.isReadable(file)) {
            throw new UserError(option + " " + file + ": not readable (permission denied)");
        }
        return file;
    }

    /** {@code file} can be created or replaced: its folder exists and is writable, and it is not a folder. */
    static Path writableFile(Path file, String option) {
        if (Files.isDirectory(file)) {
            throw new UserError(option + " " + file + " is a folder: give a file name");
        }
        Path folder = file.toAbsolutePath().getParent();
        if (folder == null || !Files.isDirectory(folder)) {
            throw new UserError(option + " " + file + ": folder " + folder + " does not exist; create it or "
                    + "write somewhere else");
        }
        if (!Files.isWritable(folder) || (Files.exists(file) && !Files.isWritable(file))) {
            throw new UserError(option + " " + file + ": cannot write there (permission denied)");
        }
        return file;
    }

    /** {@code dir} is a folder. */
    static Path folder(Path dir, String option) {
        if (!Files.isDirectory(dir)) {
            throw new UserError(option + " " + dir + ": " + (Files.exists(dir) ? "not a folder" : "no such folder")
                    + (dir.isAbsolute() ? "" : " in " + Path.of("").toAbsolutePath()));
        }
        return dir;
    }

    /**
     * The history files {@code inputs} name: each file as it is, each folder as its {@code .csv} and
     * {@code .jsonl} files in name order; all readable.
     */
    static List<Path> historyFiles(List<Path> inputs, String option) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path input : inputs) {
            if (!Files.isDirectory(input)) {
                files.add(readableFile(input, option));
                continue;
            }
            List<Path> in;
            try (Stream<Path> listed = Files.list(input)) {
                in = listed.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().matches(".*\\.(csv|jsonl)"))
                        .sorted().collect(Collectors.toList());
            }
            if (in.isEmpty()) {
                throw new UserError(option + " " + input + " is a folder without history files (.csv, .jsonl): give "
                        + "files, or a folder that holds them");
            }
            in.forEach(p -> files.add(readableFile(p, option)));
        }
        return files;
    }

    /** {@code --export-model KEY=FILE} specs as key to writable file, in order. */
    static Map<String, Path> exports(List<String> specs) {
        Map<String, Path> files = new LinkedHashMap<>();
        for (String spec : specs) {
            int eq = spec.lastIndexOf('=');
            if (eq <= 0 || eq == spec.length() - 1) {
                throw new UserError("--export-model expects KEY=FILE (a series key and the file to write its "
                        + "model to), got '" + spec + "'");
            }
            files.put(spec.substring(0, eq), writableFile(Path.of(spec.substring(eq + 1)), "--export-model"));
        }
        return files;
    }

    /** An integer option within bounds. */
    public static int range(int value, int min, int max, String option) {
        if (value < min || value > max) {
            throw new UserError(option + " " + value + ": expected an integer from " + min + " to " + max);
        }
        return value;
    }
}
