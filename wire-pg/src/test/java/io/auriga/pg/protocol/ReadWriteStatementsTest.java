package io.auriga.pg.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ReadWriteStatementsTest {

    @ParameterizedTest
    @ValueSource(strings = {
        "SET default_transaction_read_only = off",
        "set default_transaction_read_only to false",
        "SET SESSION default_transaction_read_only = 'off'",
        "SET LOCAL default_transaction_read_only = 0",
        "SET default_transaction_read_only = no",
        "SET default_transaction_read_only = 'Of'",
        "SET default_transaction_read_only = E'off'",
        "SET \"default_transaction_read_only\" = off",
        "SET DEFAULT_TRANSACTION_READ_ONLY=OFF;",
        "SET transaction_read_only = off",
        "SET SESSION transaction_read_only TO f",
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
        "set session characteristics as transaction isolation level serializable, read write",
        "SET TRANSACTION READ WRITE",
        "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ WRITE",
        "BEGIN READ WRITE",
        "begin transaction read write",
        "BEGIN WORK ISOLATION LEVEL SERIALIZABLE, READ WRITE",
        "START TRANSACTION READ WRITE",
        "start transaction /* a comment */ read -- another\n write",
        "SELECT set_config('default_transaction_read_only', 'off', false)",
        "select pg_catalog.set_config('transaction_read_only', 'false', true)",
        "SELECT \"set_config\"('DEFAULT_TRANSACTION_READ_ONLY', $1, false)",
        "SELECT set_config('default_transaction_read_only', (SELECT 'off'), false)",
        "SELECT 1; SET default_transaction_read_only = off",
        "SELECT 'a;b'; /* ; */ BEGIN READ WRITE; SELECT 2",
        "DO $$BEGIN NULL; END$$; SET transaction_read_only = off",
        "SELECT $tag$ $$ ; $tag$; START TRANSACTION READ WRITE",
        "PREPARE p AS SELECT set_config('default_transaction_read_only', 'off', false)",
        "SELECT 'x\\'; SET default_transaction_read_only = off; SELECT '",
        // With standard_conforming_strings off, the backslash ends the literal early.
        "SELECT 'a\\''; SET default_transaction_read_only = off; --'",
    })
    void findsStatementsThatLiftReadOnly(String sql) {
        assertNotNull(ReadWriteStatements.find(sql), sql);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        ";;",
        "SELECT 1",
        "SELECT 'read write'",
        "SELECT 'SET default_transaction_read_only = off'",
        "SELECT E'it\\'s; BEGIN READ WRITE'",
        "SELECT read_write FROM t",
        "SELECT \"read write\" FROM t",
        "SELECT $$BEGIN READ WRITE$$",
        "SELECT $x$ SET transaction_read_only = off $x$",
        "-- SET default_transaction_read_only = off\nSELECT 1",
        "/* BEGIN READ WRITE; /* nested */ SET transaction_read_only = off */ SELECT 1",
        "SET default_transaction_read_only = on",
        "SET default_transaction_read_only TO 'true'",
        "SET default_transaction_read_only = 1",
        "SET default_transaction_read_only = yes",
        "SET default_transaction_read_only TO DEFAULT",
        "RESET default_transaction_read_only",
        "RESET ALL",
        "SET transaction_read_only = on",
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
        "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE",
        "BEGIN",
        "BEGIN READ ONLY",
        "START TRANSACTION ISOLATION LEVEL REPEATABLE READ",
        "BEGIN ISOLATION LEVEL READ COMMITTED",
        "SHOW default_transaction_read_only",
        "SET application_name = 'read write'",
        "SET search_path TO read_write",
        "SELECT set_config('default_transaction_read_only', 'on', false)",
        "SELECT set_config('application_name', 'off', false)",
        "SELECT set_config($1, $2, false)",
        "SELECT current_setting('transaction_read_only')",
    })
    void passesStatementsThatKeepReadOnly(String sql) {
        assertNull(ReadWriteStatements.find(sql), sql);
    }

    @Test
    void saysWhereTheLiftingStatementLies() {
        String sql = "SELECT 1; /* why */ SET transaction_read_only = off ; SELECT 2";
        ReadWriteStatements.Found found = ReadWriteStatements.find(sql);
        assertEquals("SET transaction_read_only = off", sql.substring(found.start(), found.end()));
    }

    @Test
    void anUnterminatedLiteralEndsTheText() {
        assertNull(ReadWriteStatements.find("SELECT 'BEGIN READ WRITE"));
        assertNull(ReadWriteStatements.find("SELECT $q$ BEGIN READ WRITE"));
        assertNull(ReadWriteStatements.find("/* BEGIN READ WRITE"));
    }
}
