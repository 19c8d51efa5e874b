package dev.streamforecast.io;

import java.util.ArrayList;
import java.util.List;

/**
 * A SQL script cut into statements at the semicolons that end them: not those inside a string
 * ({@code 'it''s; fine'}), a quoted identifier ({@code "a;b"}, {@code `a;b`}), a line comment
 * ({@code -- ;}) or a block comment ({@code /* ; *}{@code /}). Statements keep their text as written,
 * comments included, with the line they start on; a piece holding only comments or blanks is no statement.
 */
public final class SqlScript {
    /** One statement and the line of the script it starts on (1-based). */
    public record Statement(String sql, int line) {}

    private SqlScript() {}

    /**
     * The statements of {@code script}, in order.
     *
     * @throws UserError for a string, quoted identifier or block comment that is never closed, naming its line
     */
    public static List<Statement> split(String script) {
        List<Statement> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int line = 1;
        int start = -1; // the line of the current statement's first character that is not blank or comment
        int n = script.length();
        for (int i = 0; i < n; i++) {
            char c = script.charAt(i);
            char next = i + 1 < n ? script.charAt(i + 1) : '\0';
            if (c == '-' && next == '-') {
                int end = script.indexOf('\n', i);
                end = end < 0 ? n : end;
                current.append(script, i, end);
                i = end - 1;
            } else if (c == '/' && next == '*') {
                int end = script.indexOf("*/", i + 2);
                if (end < 0) {
                    throw new UserError("line " + line + ": a comment /* is never closed with */");
                }
                String comment = script.substring(i, end + 2);
                current.append(comment);
                line += count(comment);
                i = end + 1;
            } else if (c == '\'' || c == '"' || c == '`') {
                start = start < 0 ? line : start;
                int end = closing(script, i, c);
                if (end < 0) {
                    throw new UserError("line " + line + ": " + (c == '\'' ? "a string" : "a quoted name")
                            + " opened with " + c + " is never closed");
                }
                String quoted = script.substring(i, end + 1);
                current.append(quoted);
                line += count(quoted);
                i = end;
            } else if (c == ';') {
                add(out, current, start);
                current.setLength(0);
                start = -1;
            } else {
                if (c == '\n') {
                    line++;
                } else if (!Character.isWhitespace(c) && start < 0) {
                    start = line;
                }
                current.append(c);
            }
        }
        add(out, current, start);
        return out;
    }

    /** The index of the quote that closes the one at {@code open}; a doubled quote is part of the text. */
    private static int closing(String s, int open, char quote) {
        for (int i = open + 1; i < s.length(); i++) {
            if (s.charAt(i) == quote) {
                if (i + 1 < s.length() && s.charAt(i + 1) == quote) {
                    i++;
                } else {
                    return i;
                }
            }
        }
        return -1;
    }

    private static int count(String s) {
        int lines = 0;
        for (int i = 0; i < s.length(); i++) {
            lines += s.charAt(i) == '\n' ? 1 : 0;
        }
        return lines;
    }

    private static void add(List<Statement> out, StringBuilder text, int start) {
        if (start >= 0) {
            out.add(new Statement(text.toString().strip(), start));
        }
    }
}
