package io.auriga.mysql.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code LOAD DATA LOCAL INFILE} from MariaDB Connector/J ({@code allowLocalInfile=true}): relayed on
 * the main cluster (the default), refused on the {@value ProxiedMariaDb#STRICT} cluster
 * ({@code mysql.local-infile: false}) with the server's own error, the session usable afterwards.
 */
@ExtendWith(ProxiedMariaDb.Extension.class)
class MySqlLocalInfileIT {
    @TempDir
    Path dir;

    @Test
    void allowedByDefaultTheFileIsLoaded(ProxiedMariaDb cluster) throws Exception {
        Path file = rows(3);
        try (Connection c = connect(cluster, cluster.writerPort()); Statement st = c.createStatement()) {
            st.execute("CREATE OR REPLACE TABLE infile_allowed (id INT PRIMARY KEY, name VARCHAR(20))");
            int loaded = st.executeUpdate(load(file, "infile_allowed"));
            assertEquals(3, loaded);
            assertEquals(3, count(st, "infile_allowed"));
            assertEquals(1, scalar(st, "SELECT 1"), "the session goes on after the transfer");
        }
    }

    @Test
    void refusedTheServerSaysSoAndNothingIsReadOrLoaded(ProxiedMariaDb cluster) throws Exception {
        Path file = rows(2);
        try (Connection setup = connect(cluster, cluster.writerPort()); Statement st = setup.createStatement()) {
            st.execute("CREATE OR REPLACE TABLE infile_refused (id INT PRIMARY KEY, name VARCHAR(20))");
        }
        try (Connection c = connect(cluster, cluster.strictWriterPort()); Statement st = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> st.executeUpdate(load(file, "infile_refused")));
            // The server's own refusal: MariaDB 4166 ER_LOAD_INFILE_CAPABILITY_DISABLED (MySQL: 3948, 1148).
            assertTrue(Set.of(4166, 3948, 1148).contains(e.getErrorCode()), e.toString());
            assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains("local infile")
                    || e.getMessage().toLowerCase(Locale.ROOT).contains("local data"), e.toString());
            assertEquals(0, count(st, "infile_refused"), "nothing was loaded");
            assertEquals(1, scalar(st, "SELECT 1"), "the session stays usable");
            st.execute("INSERT INTO infile_refused VALUES (7, 'by insert')");
            assertEquals(1, count(st, "infile_refused"));
        }
    }

    private Path rows(int n) throws Exception {
        StringBuilder csv = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            csv.append(i).append(",row-").append(i).append('\n');
        }
        Path file = dir.resolve("rows-" + n + ".csv");
        Files.writeString(file, csv);
        return file;
    }

    private static String load(Path file, String table) {
        return "LOAD DATA LOCAL INFILE '" + file.toAbsolutePath() + "' INTO TABLE " + table
                + " FIELDS TERMINATED BY ',' LINES TERMINATED BY '\\n' (id, name)";
    }

    private static Connection connect(ProxiedMariaDb cluster, int port) throws SQLException {
        Properties p = cluster.credentials();
        p.setProperty("allowLocalInfile", "true");
        return DriverManager.getConnection(cluster.mariadbUrl(port, ""), p);
    }

    private static long count(Statement st, String table) throws SQLException {
        return scalar(st, "SELECT COUNT(*) FROM " + table);
    }

    private static long scalar(Statement st, String sql) throws SQLException {
        try (var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
