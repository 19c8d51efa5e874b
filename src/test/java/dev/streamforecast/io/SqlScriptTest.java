package dev.streamforecast.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SqlScriptTest {
    private static List<String> sql(String script) {
        return SqlScript.split(script).stream().map(SqlScript.Statement::sql).collect(Collectors.toList());
    }

    @Test
    void splitsAtSemicolonsOutsideStringsQuotedNamesAndComments() {
        String script = "-- a comment; not a statement\n"
                + "CREATE TABLE t (`a;b` STRING, \"c;d\" INT) WITH ('k' = 'it''s; fine');\n"
                + "/* block; comment\n spanning lines; */ SELECT 1;\n"
                + "SELECT ';' -- trailing; comment\n;\n"
                + ";;  \n -- only a comment at the end";
        assertEquals(List.of(
                "-- a comment; not a statement\nCREATE TABLE t (`a;b` STRING, \"c;d\" INT) WITH ('k' = 'it''s; fine')",
                "/* block; comment\n spanning lines; */ SELECT 1",
                "SELECT ';' -- trailing; comment"), sql(script));
    }

    @Test
    void eachStatementKnowsTheLineItStartsOn() {
        List<SqlScript.Statement> s = SqlScript.split("\n-- header\nSET 'a' = 'b';\n\nSELECT\n 'x\ny';\nSELECT 2");
        assertEquals(List.of(3, 5, 8), s.stream().map(SqlScript.Statement::line).collect(Collectors.toList()));
    }

    @Test
    void aStringOrCommentNeverClosedIsRefusedNamingItsLine() {
        assertEquals("line 2: a string opened with ' is never closed",
                assertThrows(UserError.class, () -> SqlScript.split("SELECT 1;\nSELECT 'oops;")).getMessage());
        assertEquals("line 1: a comment /* is never closed with */",
                assertThrows(UserError.class, () -> SqlScript.split("/* SELECT 1;")).getMessage());
    }
}
