package io.auriga.mysql.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.Credentials;
import io.auriga.config.Secret;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServerFlavourTest {

    @Test
    void detectsMariaDbFromVersionOrComment() {
        assertEquals(ServerFlavour.MARIADB, ServerFlavour.detect("10.11.19-MariaDB-0+deb12u1-log", "Debian 12"));
        assertEquals(ServerFlavour.MARIADB, ServerFlavour.detect("11.4.2", "mariadb.org binary distribution"));
        assertEquals(ServerFlavour.MARIADB, ServerFlavour.detect("5.5.5-10.6.12-MariaDB", null));
    }

    @Test
    void detectsMySql8AndRefusesOlderMySql() {
        assertEquals(ServerFlavour.MYSQL, ServerFlavour.detect("8.0.36", "MySQL Community Server - GPL"));
        assertEquals(ServerFlavour.MYSQL, ServerFlavour.detect("8.0.23-commercial", "MySQL Enterprise Server"));
        assertEquals(ServerFlavour.MYSQL, ServerFlavour.detect("8.4.0", "MySQL Community Server - GPL"));
        IllegalArgumentException old = assertThrows(IllegalArgumentException.class,
                () -> ServerFlavour.detect("8.0.22", "MySQL Community Server - GPL"));
        assertTrue(old.getMessage().contains("8.0.23"), old.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ServerFlavour.detect("5.7.44-log", "MySQL"));
        assertThrows(IllegalArgumentException.class, () -> ServerFlavour.detect("unknown", ""));
    }

    @Test
    void mariaDbStatementsUseSlaveWordsAndGtidSlavePos() {
        ServerFlavour f = ServerFlavour.MARIADB;
        assertEquals("STOP SLAVE", f.stopReplica());
        assertEquals("STOP SLAVE IO_THREAD", f.stopReceiver());
        assertEquals("RESET SLAVE ALL", f.resetReplicaAll());
        assertEquals("START SLAVE", f.startReplica());
        assertEquals("SHOW SLAVE STATUS", f.showReplicaStatus);
        assertEquals(List.of("SET GLOBAL read_only = ON"), f.readOnlyOn());
        assertEquals(List.of("SET GLOBAL read_only = OFF"), f.readOnlyOff());
        assertEquals("CHANGE MASTER TO MASTER_HOST='10.0.0.2', MASTER_PORT=3306, MASTER_USER='repl', "
                        + "MASTER_PASSWORD='it''s\\\\x', MASTER_CONNECT_RETRY=1, MASTER_USE_GTID=slave_pos",
                f.changeSource("10.0.0.2", 3306, new Credentials("repl", new Secret("it's\\x", "test"))));
        assertEquals("CHANGE MASTER TO MASTER_HOST='h', MASTER_PORT=1, MASTER_CONNECT_RETRY=1, "
                + "MASTER_USE_GTID=slave_pos", f.changeSource("h", 1, null), "no account: keep the configured one");
        assertEquals("rpl_semi_sync_master_enabled", f.semiSyncPrimaryEnabled());
        assertEquals("rpl_semi_sync_slave_enabled", f.semiSyncReplicaEnabled());
        assertEquals("Rpl_semi_sync_master_status", f.semiSyncPrimaryStatus());
        assertEquals("Rpl_semi_sync_master_clients", f.semiSyncPrimaryClients());
        assertEquals("rpl_semi_sync_master_wait_no_slave", f.semiSyncPrimaryWaitNoReplica());
        assertEquals("Rpl_semi_sync_slave_status", f.semiSyncReplicaStatus());
        assertTrue(f.waitForPosition.contains("MASTER_GTID_WAIT"));
    }

    @Test
    void mySqlStatementsUseReplicaWordsAutoPositionAndSuperReadOnly() {
        ServerFlavour f = ServerFlavour.MYSQL;
        assertEquals("STOP REPLICA", f.stopReplica());
        assertEquals("RESET REPLICA ALL", f.resetReplicaAll());
        assertEquals("SHOW REPLICA STATUS", f.showReplicaStatus);
        assertEquals("Replica_IO_Running", f.ioRunningColumn);
        assertEquals(List.of("SET GLOBAL super_read_only = ON"), f.readOnlyOn());
        assertEquals(List.of("SET GLOBAL super_read_only = OFF", "SET GLOBAL read_only = OFF"), f.readOnlyOff());
        assertEquals("CHANGE REPLICATION SOURCE TO SOURCE_HOST='h', SOURCE_PORT=3307, SOURCE_USER='r', "
                        + "SOURCE_PASSWORD='p', SOURCE_CONNECT_RETRY=1, SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1",
                f.changeSource("h", 3307, new Credentials("r", new Secret("p", "test"))));
        assertEquals("SELECT @@GLOBAL.gtid_executed", f.writePositionQuery);
        assertTrue(f.waitForPosition.contains("WAIT_FOR_EXECUTED_GTID_SET"));
        assertEquals("rpl_semi_sync_source_enabled", f.semiSyncPrimaryEnabled());
        assertEquals("Rpl_semi_sync_source_clients", f.semiSyncPrimaryClients());
        assertEquals("rpl_semi_sync_source_wait_no_replica", f.semiSyncPrimaryWaitNoReplica());
        assertEquals("Rpl_semi_sync_replica_status", f.semiSyncReplicaStatus());
    }

    @Test
    void setGlobalTakesOnlyPlainValues() {
        assertEquals("SET GLOBAL rpl_semi_sync_master_timeout = 1000",
                ServerFlavour.setGlobal("rpl_semi_sync_master_timeout", "1000"));
        assertThrows(IllegalArgumentException.class, () -> ServerFlavour.setGlobal("x", "ON; DROP TABLE t"));
    }

    @Test
    void fencingEndsClientSessionsOnly() {
        long own = 7;
        assertTrue(ServerFlavour.isClientSession(12, "app", "Sleep", own));
        assertTrue(ServerFlavour.isClientSession(13, "app", "Query", own));
        assertTrue(ServerFlavour.isClientSession(14, "auriga_admin", "Sleep", own), "the monitor reconnects");
        assertFalse(ServerFlavour.isClientSession(7, "auriga_admin", "Query", own), "its own session");
        assertFalse(ServerFlavour.isClientSession(20, "auriga_repl", "Binlog Dump", own), "a replica reading");
        assertFalse(ServerFlavour.isClientSession(21, "repl", "Binlog Dump GTID", own), "a MySQL replica reading");
        assertFalse(ServerFlavour.isClientSession(22, "system user", "Slave_IO", own));
        assertFalse(ServerFlavour.isClientSession(23, "system user", "Connect", own), "MySQL applier thread");
        assertFalse(ServerFlavour.isClientSession(24, "event_scheduler", "Daemon", own));
        assertFalse(ServerFlavour.isClientSession(25, null, "Daemon", own));
    }

    @Test
    void positionsBecomeOneGrowingNumberPerFlavour() {
        assertEquals(42, ServerFlavour.MARIADB.positionNumber("0-1-42"));
        assertEquals(57, ServerFlavour.MARIADB.positionNumber("0-2-57,1-3-9"));
        assertEquals(0, ServerFlavour.MARIADB.positionNumber(""));
        assertEquals(5 + 8 + 3, ServerFlavour.MYSQL.positionNumber(
                "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:11-18,\n4a7c1d2e-71ca-11e1-9e33-c80aa9429562:1-3"));
        assertEquals(1, ServerFlavour.MYSQL.positionNumber("3e11fa47-71ca-11e1-9e33-c80aa9429562:7"));
        assertEquals(4, ServerFlavour.MYSQL.positionNumber("3e11fa47-71ca-11e1-9e33-c80aa9429562:tag:1-4"));
        assertEquals(0, ServerFlavour.MYSQL.positionNumber(""));
        assertThrows(IllegalArgumentException.class, () -> ServerFlavour.MYSQL.positionNumber("no-interval"));
        assertThrows(IllegalArgumentException.class, () -> ServerFlavour.MARIADB.positionNumber("0-1"));
    }

    @Test
    void readOnlyCoversSuperAccountsOnlyOnMySql() {
        assertEquals(List.of("SET GLOBAL read_only = ON"), ServerFlavour.MARIADB.readOnlyOn());
        assertEquals(List.of("SET GLOBAL super_read_only = ON"), ServerFlavour.MYSQL.readOnlyOn());
        assertEquals("SELECT @@GLOBAL.gtid_slave_pos", ServerFlavour.MARIADB.appliedPositionQuery());
        assertEquals("SELECT @@GLOBAL.gtid_executed", ServerFlavour.MYSQL.appliedPositionQuery());
    }
}
