package io.auriga.pg.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.auriga.pg.protocol.PgMessageScanner;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StaleSessionWatcherTest {
    private final List<String> told = new ArrayList<>();
    private final List<String> passedOn = new ArrayList<>();
    private final PgMessageScanner.Watcher session = new PgMessageScanner.Watcher() {
        @Override
        public boolean wants(byte tag) {
            return tag == 'Q';
        }

        @Override
        public void message(byte tag, ByteBuf body) {
            passedOn.add(String.valueOf((char) tag));
        }

        @Override
        public void tooLarge(byte tag, int length) {
        }
    };
    private final StaleSessionWatcher watcher = new StaleSessionWatcher(session, told::add);

    @Test
    void statementsThatChangeNewSessionsAreSeenAfterWhitespaceAndComments() {
        query("DROP DATABASE x");
        query("  -- why\n /* a /* nested */ comment */\tdrop\n  database \"x\"");
        query("alter database x rename to y");
        query("Alter Role app SET work_mem = '1MB'");
        query("ALTER USER app RESET ALL");
        query("CREATE DATABASE y TEMPLATE x");
        parse("stmt", "ALTER DATABASE x SET search_path = a");
        assertEquals(List.of("a client runs DROP DATABASE", "a client runs DROP DATABASE",
                "a client runs ALTER DATABASE", "a client runs ALTER ROLE", "a client runs ALTER USER",
                "a client runs CREATE DATABASE", "a client runs ALTER DATABASE"), told);
    }

    @Test
    void otherStatementsAreNot() {
        query("SELECT 'DROP DATABASE x'");
        query("DROP TABLE database");
        query("ALTER TABLE role ADD a int");
        query("/* DROP DATABASE x */ SELECT 1");
        query("-- ALTER ROLE app SET x = 1");
        query("DROPDATABASE");
        parse("DROP DATABASE x", "SELECT 1");
        assertEquals(List.of(), told);
    }

    @Test
    void theSessionsOwnWatcherStillSeesWhatItAsksFor() {
        query("SELECT 1");
        parse("", "SELECT 1");
        assertEquals(List.of("Q"), passedOn);
    }

    private void query(String sql) {
        watcher.message((byte) 'Q', Unpooled.copiedBuffer(sql + "\0", StandardCharsets.UTF_8));
    }

    private void parse(String name, String sql) {
        ByteBuf body = Unpooled.copiedBuffer(name + "\0" + sql + "\0", StandardCharsets.UTF_8).writeShort(0);
        watcher.message((byte) 'P', body);
    }
}
