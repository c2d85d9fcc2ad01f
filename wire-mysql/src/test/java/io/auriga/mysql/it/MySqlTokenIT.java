package io.auriga.mysql.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.auriga.config.TokenKeys;
import io.auriga.core.auth.Tokens;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Login tokens through the MySQL endpoints with MariaDB Connector/J and MySQL Connector/J: a token
 * user ({@link ProxiedMariaDb#TOKEN_USER}) answers a switch to mysql_clear_password with its token,
 * over TLS only, and the proxy logs in to MariaDB with the user's configured password.
 */
@ExtendWith(ProxiedMariaDb.Extension.class)
class MySqlTokenIT {

    @Test
    void mariadbConnectorJLogsInWithATokenThroughBothEndpoints(ProxiedMariaDb cluster) throws Exception {
        String token = token(cluster, Duration.ofMinutes(15), Instant.now());
        try (Connection c = DriverManager.getConnection(cluster.mariadbUrl(cluster.writerPort(), "sslMode=trust"),
                props(token)); Statement st = c.createStatement()) {
            assertEquals(ProxiedMariaDb.TOKEN_USER + "@% 0", single(st, "SELECT concat(current_user(), ' ', IF(@@read_only, 1, 0))"));
            st.execute("CREATE TEMPORARY TABLE t (x int)");
        }
        try (Connection c = DriverManager.getConnection(cluster.mariadbUrl(cluster.readerPort(), "sslMode=trust"),
                props(token)); Statement st = c.createStatement()) {
            assertEquals(ProxiedMariaDb.TOKEN_USER + "@% 1", single(st, "SELECT concat(current_user(), ' ', IF(@@read_only, 1, 0))"));
        }
    }

    @Test
    void mysqlConnectorJLogsInWithAToken(ProxiedMariaDb cluster) throws Exception {
        String token = token(cluster, Duration.ofMinutes(15), Instant.now());
        try (Connection c = DriverManager.getConnection(cluster.mysqlUrl(cluster.writerPort(), "sslMode=REQUIRED"),
                props(token)); Statement st = c.createStatement()) {
            assertEquals(ProxiedMariaDb.TOKEN_USER + "@%", single(st, "SELECT current_user()"));
        }
    }

    @Test
    void aClientThatStartsWithCachingSha2PasswordIsSwitchedToTheToken(ProxiedMariaDb cluster) throws Exception {
        // The strict cluster greets with caching_sha2_password, which MySQL Connector/J answers at once.
        String token = token(cluster, Duration.ofMinutes(15), Instant.now());
        try (Connection c = DriverManager.getConnection(cluster.mysqlUrl(cluster.strictWriterPort(),
                "sslMode=REQUIRED"), props(token)); Statement st = c.createStatement()) {
            assertEquals(ProxiedMariaDb.TOKEN_USER + "@%", single(st, "SELECT current_user()"));
        }
    }

    @Test
    void withoutTlsTheTokenIsNeverAskedFor(ProxiedMariaDb cluster) {
        String token = token(cluster, Duration.ofMinutes(15), Instant.now());
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                cluster.mariadbUrl(cluster.writerPort(), "sslMode=disable"), props(token)).close());
        assertEquals(3159, e.getErrorCode(), e.getMessage());
        assertTrue(e.getMessage().contains("user '" + ProxiedMariaDb.TOKEN_USER
                + "' logs in with a token, which is accepted over TLS only"), e.getMessage());
    }

    @Test
    void badTokensAreRefusedAsWrongPasswords(ProxiedMariaDb cluster) throws Exception {
        String expired = token(cluster, Duration.ofMinutes(15), Instant.now().minus(Duration.ofMinutes(30)));
        String forOther = cluster.token(ProxiedMariaDb.CONFIG_USER, Duration.ofMinutes(15), Instant.now());
        String foreign = Tokens.issue(TokenKeys.generate().getPrivate(), ProxiedMariaDb.TOKEN_USER,
                Duration.ofMinutes(15), Instant.now());
        for (String bad : new String[] {expired, forOther, foreign, ProxiedMariaDb.TOKEN_USER_PASSWORD}) {
            SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                    cluster.mariadbUrl(cluster.writerPort(), "sslMode=trust"), props(bad)).close());
            assertEquals(1045, e.getErrorCode(), e.getMessage());
        }
        try (Connection c = DriverManager.getConnection(cluster.mariadbUrl(cluster.writerPort(), "sslMode=trust"),
                props(token(cluster, Duration.ofMinutes(1), Instant.now())))) {
            assertTrue(c.isValid(5), "the refusals leave the user able to log in");
        }
    }

    private static String token(ProxiedMariaDb cluster, Duration ttl, Instant from) {
        return cluster.token(ProxiedMariaDb.TOKEN_USER, ttl, from);
    }

    private static Properties props(String password) {
        Properties p = new Properties();
        p.setProperty("user", ProxiedMariaDb.TOKEN_USER);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "10000");
        return p;
    }

    private static String single(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
