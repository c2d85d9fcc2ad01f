package io.auriga.pg.it;

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
 * Login tokens through both endpoints with pgjdbc: a token user ({@link ProxiedCluster#TOKEN_USER})
 * logs in with a token as its password, over TLS only, and the proxy logs in to the database with
 * the user's configured password.
 */
@ExtendWith(ProxiedCluster.Extension.class)
class PgTokenIT {

    @Test
    void aTokenLogsInThroughTheWriterAndTheReaderOverTls(ProxiedCluster cluster) throws Exception {
        String token = cluster.token(ProxiedCluster.TOKEN_USER, Duration.ofMinutes(15), Instant.now());
        try (Connection c = connect(cluster, cluster.writerPort(), "require", token); Statement st = c.createStatement()) {
            assertEquals(ProxiedCluster.TOKEN_USER + " false", single(st, "SELECT current_user || ' ' || pg_is_in_recovery()"));
            st.execute("CREATE TEMP TABLE t (x int)");
        }
        try (Connection c = connect(cluster, cluster.readerPort(), "require", token); Statement st = c.createStatement()) {
            assertEquals(ProxiedCluster.TOKEN_USER + " true", single(st, "SELECT current_user || ' ' || pg_is_in_recovery()"));
        }
    }

    @Test
    void withoutTlsTheTokenIsNeverAskedFor(ProxiedCluster cluster) {
        String token = cluster.token(ProxiedCluster.TOKEN_USER, Duration.ofMinutes(15), Instant.now());
        SQLException e = assertThrows(SQLException.class, () -> connect(cluster, cluster.writerPort(), "disable", token));
        assertEquals("28000", e.getSQLState());
        assertTrue(e.getMessage().contains("user \"" + ProxiedCluster.TOKEN_USER
                + "\" logs in with a token, which is accepted over TLS only"), e.getMessage());
    }

    @Test
    void expiredForeignAndMisdirectedTokensAreRefusedAsWrongPasswords(ProxiedCluster cluster) throws Exception {
        String expired = cluster.token(ProxiedCluster.TOKEN_USER, Duration.ofMinutes(15),
                Instant.now().minus(Duration.ofMinutes(30)));
        String tooLong = cluster.token(ProxiedCluster.TOKEN_USER, Duration.ofHours(3), Instant.now());
        String forOther = cluster.token("auriga", Duration.ofMinutes(15), Instant.now());
        String foreign = Tokens.issue(TokenKeys.generate().getPrivate(), ProxiedCluster.TOKEN_USER,
                Duration.ofMinutes(15), Instant.now());
        for (String bad : new String[] {expired, tooLong, forOther, foreign, ProxiedCluster.TOKEN_USER_PASSWORD, ""}) {
            SQLException e = assertThrows(SQLException.class, () -> connect(cluster, cluster.writerPort(), "require",
                    bad));
            assertEquals("28P01", e.getSQLState(), e.getMessage());
        }
        // A token for another user is no password for that user either: it is a database user.
        SQLException e = assertThrows(SQLException.class, () -> {
            Properties p = props("auriga", forOther, "require");
            DriverManager.getConnection(cluster.url(cluster.writerPort(), "").replace("sslmode=disable", "sslmode=require"),
                    p).close();
        });
        assertEquals("28P01", e.getSQLState(), e.getMessage());
        // And the refusals leave the user able to log in.
        try (Connection c = connect(cluster, cluster.writerPort(), "require",
                cluster.token(ProxiedCluster.TOKEN_USER, Duration.ofMinutes(1), Instant.now()))) {
            assertTrue(c.isValid(5));
        }
    }

    private static Connection connect(ProxiedCluster cluster, int port, String sslmode, String password)
            throws SQLException {
        String url = cluster.url(port, "").replace("sslmode=disable", "sslmode=" + sslmode);
        return DriverManager.getConnection(url, props(ProxiedCluster.TOKEN_USER, password, sslmode));
    }

    private static Properties props(String user, String password, String sslmode) {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "30");
        return p;
    }

    private static String single(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
