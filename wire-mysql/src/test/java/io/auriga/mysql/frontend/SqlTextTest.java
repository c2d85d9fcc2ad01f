package io.auriga.mysql.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SqlTextTest {
    private static ByteBuf bytes(String sql) {
        return Unpooled.wrappedBuffer(sql.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void stringsIdentifiersAndCommentsAreBlankedInPlace() {
        String sql = "SELECT 'a;b', `x;y`, \"it\\\"s\" -- c;d\n/* e;f */ 1 # g;h";
        String masked = SqlText.mask(sql);
        assertEquals(sql.length(), masked.length());
        assertFalse(masked.contains(";"), masked);
        assertTrue(masked.startsWith("SELECT '   ', `   `,"), masked);
    }

    @Test
    void aMultiStatementQueryIsSplitAtItsTopLevelSemicolons() {
        List<String[]> parts = SqlText.statements(" SET a = ';' ; USE `d;b`;; /* x */ SELECT 1 ");
        assertEquals(3, parts.size());
        assertEquals("SET a = ';'", parts.get(0)[0]);
        assertEquals("USE `d;b`", parts.get(1)[0]);
        assertEquals("SELECT 1", parts.get(2)[0]);
        assertEquals("d;b", SqlText.identifier(parts.get(1)[0].substring(3)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT 1", "  select * from t where a = 'é'", "/* app */ INSERT INTO t VALUES (1)",
            "UPDATE t SET a = 1", "delete from t", "REPLACE INTO t VALUES (2)", "WITH x AS (SELECT 1) SELECT * FROM x"})
    void plainStatementsSkipTheClassifier(String sql) {
        assertTrue(SqlText.plain(bytes(sql), 0, false), sql);
    }

    @ParameterizedTest
    @ValueSource(strings = {"SET a = 1", "SELECT GET_LOCK('x', 1)", "select 1 into @x", "SELECT 1; SELECT 2",
            "/*!40101 SET NAMES utf8 */", "-- c\nSELECT 1", "CREATE TEMPORARY TABLE t (a int)", "USE db",
            "SELECTION", "SELECT @@sql_mode", "LOCK TABLES t READ", "/* unterminated SELECT 1"})
    void everythingElseIsClassified(String sql) {
        assertFalse(SqlText.plain(bytes(sql), 0, false), sql);
    }

    @Test
    void aStatementKnownByItsFirstBytesOnlyMustBeAWrite() {
        assertTrue(SqlText.plain(bytes("INSERT INTO t VALUES (1), (2)"), 0, true));
        assertFalse(SqlText.plain(bytes("SELECT a FROM t"), 0, true), "its end may say INTO @x");
    }
}
