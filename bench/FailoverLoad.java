import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Client load for bench/failover.sh: what applications see while the primary is lost.
 *
 * <p>Run with the shaded jar on the class path (it carries pgjdbc and MariaDB Connector/J):
 * <pre>
 *   java -cp cli/target/auriga.jar bench/FailoverLoad.java --writer-port 6432 --reader-port 6433 \
 *       --duration 12 --sessions 4 --ids-file acked.txt [--fault-file fault.ms] [--events-file events.log]
 *   java -cp cli/target/auriga.jar bench/FailoverLoad.java --engine mysql --writer-port 6033 --reader-port 6034 …
 * </pre>
 * With {@code --engine postgres} (the default) it speaks pgjdbc to a PostgreSQL cluster's endpoints,
 * with {@code --engine mysql} MariaDB Connector/J to a MariaDB cluster's; the clients and what is
 * measured are the same, only the driver and the idle sessions' state differ ({@link Dialect}).
 *
 * <p>Three kinds of clients run at once:
 * <ul>
 *   <li>a writer: one long-lived connection to the writer endpoint doing an autocommit
 *       {@code INSERT INTO failover_load(id, at) VALUES (?, now())} every ~5 ms with increasing ids.
 *       Every acknowledged id is written to the ids file, so the caller can check that none is
 *       missing on the new primary. On an error it records it; when the connection is broken it
 *       reconnects (bounded attempts, 100 ms apart) and goes on with the next id;</li>
 *   <li>K idle sessions on the writer endpoint, opened before the fault, each with session state
 *       (PostgreSQL: {@code SET application_name}; MariaDB: a user variable and
 *       {@code SET SESSION wait_timeout}) and a server-prepared statement (pgjdbc
 *       prepareThreshold=1; Connector/J useServerPrepStmts), used once a second. A session that never
 *       raises an error and still answers with its own state from a writable server counts as
 *       preserved; one that
 *       fails is counted as broken, or as broken_busy when its statement was in flight at the
 *       fault (then it was not idle, and an error is what the design promises);</li>
 *   <li>a reader: {@code SELECT 1} every ~5 ms through the reader endpoint on one connection,
 *       reconnecting on error.</li>
 * </ul>
 *
 * <p>It prints {@code ready at_ms=...} once every connection is open (the run's clock starts
 * there), then, at the end, one {@code key=value} line per metric. Times are epoch milliseconds
 * taken from a monotonic clock. The fault time is read from the fault file (epoch ms, written by
 * the caller just before it kills the primary); without it the largest gaps are reported.
 */
public final class FailoverLoad {
    private static final long PERIOD_MS = 5;
    private static final long RECONNECT_PAUSE_MS = 100;

    private static final long BASE_EPOCH_MS = System.currentTimeMillis();
    private static final long BASE_NANOS = System.nanoTime();

    static long nowMs() {
        return BASE_EPOCH_MS + (System.nanoTime() - BASE_NANOS) / 1_000_000;
    }

    // ---------------------------------------------------------------------------------------
    // Engines
    // ---------------------------------------------------------------------------------------

    /**
     * What differs between the engines: the driver's URL, the idle sessions' state and the one
     * prepared query that reads it back. The query answers (the bound int, the session's state as
     * one string, whether the server is read-only), so one check serves both.
     */
    record Dialect(String name, String urlPrefix, String urlOptions, String idleUrlOptions, String idleQuery) {
        static final Dialect POSTGRES = new Dialect("postgres", "jdbc:postgresql://",
                // Seconds: a connection attempt waits at most 20 s (new connections wait while a
                // failover is under way), a login 25 s, a statement 15 s.
                "sslmode=disable&connectTimeout=20&loginTimeout=25&socketTimeout=15&tcpKeepAlive=true"
                        + "&ApplicationName=failover-load",
                "prepareThreshold=1",
                "SELECT ?::int, current_setting('application_name'), pg_is_in_recovery()");
        static final Dialect MYSQL = new Dialect("mysql", "jdbc:mariadb://",
                // Milliseconds: the same bounds (connectTimeout also bounds the handshake).
                "sslMode=disable&connectTimeout=20000&socketTimeout=15000&tcpKeepAlive=true",
                "useServerPrepStmts=true&cachePrepStmts=false",
                "SELECT CAST(? AS SIGNED), CONCAT(@failover_tag, '/', @@SESSION.wait_timeout), @@read_only");

        static Dialect named(String name) {
            return switch (name) {
                case "postgres" -> POSTGRES;
                case "mysql" -> MYSQL;
                default -> null;
            };
        }

        /** Gives a fresh idle session its state. */
        void setUp(Statement st, IdleSession s) throws SQLException {
            if (this == POSTGRES) {
                st.execute("SET application_name TO '" + s.tag + "'");
            } else {
                st.execute("SET @failover_tag = '" + s.tag + "'");
                st.execute("SET SESSION wait_timeout = " + mysqlWaitTimeout(s.index));
            }
        }

        /** The state an idle session must still answer with (the idle query's second column). */
        String expectedState(IdleSession s) {
            return this == POSTGRES ? s.tag : s.tag + "/" + mysqlWaitTimeout(s.index);
        }

        /** A wait_timeout of its own for each session (the server's default is 28800 s). */
        private static int mysqlWaitTimeout(int index) {
            return 28800 + index;
        }
    }

    // ---------------------------------------------------------------------------------------
    // Options
    // ---------------------------------------------------------------------------------------
    static Dialect dialect = Dialect.POSTGRES;
    static String host = "127.0.0.1";
    static int writerPort = 6432;
    static int readerPort = 6433;
    static String user = "auriga";
    static String password = "auriga";
    static String database = "auriga";
    static int durationSeconds = 12;
    static int sessions = 4;
    static int reconnectAttempts = 150;
    static Path idsFile;
    static Path faultFile;
    static Path eventsFile;

    static void usage(String problem) {
        if (problem != null) {
            System.err.println("FailoverLoad: " + problem);
        }
        System.err.println("usage: java -cp cli/target/auriga.jar bench/FailoverLoad.java --ids-file FILE"
                + " [--engine postgres|mysql] [--host 127.0.0.1] [--writer-port 6432] [--reader-port 6433] [--duration 12] [--sessions 4]"
                + " [--reconnect-attempts 150] [--fault-file FILE] [--events-file FILE]"
                + " [--user auriga] [--password auriga] [--database auriga]");
        System.exit(2);
    }

    static void parse(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                usage(null);
            }
            if (i + 1 >= args.length) {
                usage("missing value after " + a);
            }
            String v = args[++i];
            try {
                switch (a) {
                    case "--engine" -> {
                        dialect = Dialect.named(v);
                        if (dialect == null) {
                            usage("--engine must be postgres or mysql, got '" + v + "'");
                        }
                    }
                    case "--host" -> host = v;
                    case "--writer-port" -> writerPort = Integer.parseInt(v);
                    case "--reader-port" -> readerPort = Integer.parseInt(v);
                    case "--user" -> user = v;
                    case "--password" -> password = v;
                    case "--database" -> database = v;
                    case "--duration" -> durationSeconds = Integer.parseInt(v);
                    case "--sessions" -> sessions = Integer.parseInt(v);
                    case "--reconnect-attempts" -> reconnectAttempts = Integer.parseInt(v);
                    case "--ids-file" -> idsFile = Path.of(v);
                    case "--fault-file" -> faultFile = Path.of(v);
                    case "--events-file" -> eventsFile = Path.of(v);
                    default -> usage("unknown option " + a);
                }
            } catch (NumberFormatException e) {
                usage(a + " needs a number, got '" + v + "'");
            }
        }
        if (idsFile == null) {
            usage("--ids-file is required");
        }
        if (durationSeconds < 1 || sessions < 0 || reconnectAttempts < 1) {
            usage("--duration and --reconnect-attempts must be positive, --sessions not negative");
        }
    }

    static Connection connect(int port, String extra) throws SQLException {
        // Bounded everywhere (see Dialect): connection attempts, logins and statements.
        String url = dialect.urlPrefix() + host + ":" + port + "/" + database + "?" + dialect.urlOptions()
                + (extra.isEmpty() ? "" : "&" + extra);
        return DriverManager.getConnection(url, user, password);
    }

    // ---------------------------------------------------------------------------------------
    // Event log
    // ---------------------------------------------------------------------------------------
    static final List<String> EVENTS = Collections.synchronizedList(new ArrayList<>());

    static void event(String who, String what) {
        EVENTS.add(nowMs() + " " + who + " " + what);
    }

    static String describe(Throwable e) {
        String state = e instanceof SQLException s && s.getSQLState() != null ? s.getSQLState() : "-";
        String msg = String.valueOf(e.getMessage()).replaceAll("\\s+", " ").trim();
        if (msg.length() > 200) {
            msg = msg.substring(0, 200) + "...";
        }
        return state + " " + e.getClass().getSimpleName() + ": " + msg;
    }

    static void sleepUntil(long deadlineMs) {
        long left = deadlineMs - nowMs();
        if (left > 0) {
            try {
                Thread.sleep(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // already broken
            }
        }
    }

    static boolean broken(Connection c, SQLException e) {
        String state = e.getSQLState();
        if (state != null && (state.startsWith("08") || state.startsWith("57P"))) {
            return true;
        }
        try {
            return c == null || c.isClosed() || !c.isValid(5);
        } catch (SQLException ignored) {
            return true;
        }
    }

    /** Result of one looping client (writer or reader). */
    static final class LoopStats {
        final String name;
        final List<Long> successes = Collections.synchronizedList(new ArrayList<>());
        int errors;
        int reconnects;
        int failedReconnects;
        boolean gaveUp;
        String firstError;
        long firstErrorAt;
        final Map<String, Integer> errorKinds = new LinkedHashMap<>();

        LoopStats(String name) {
            this.name = name;
        }

        void error(Throwable e, long sentMs) {
            errors++;
            String d = describe(e) + " [statement sent " + (nowMs() - sentMs) + " ms before]";
            if (firstError == null) {
                firstError = d;
                firstErrorAt = nowMs();
            }
            String kind = d.split(" ", 2)[0];
            errorKinds.merge(kind, 1, Integer::sum);
            event(name, "error " + d);
        }
    }

    /**
     * Opens a connection, trying up to {@code reconnectAttempts} times 100 ms apart and never past
     * {@code endMs}; null when it could not.
     */
    static Connection reconnect(LoopStats s, int port, String extra, long endMs) {
        for (int attempt = 1; attempt <= reconnectAttempts && nowMs() < endMs; attempt++) {
            try {
                Connection c = connect(port, extra);
                s.reconnects++;
                event(s.name, "reconnected after " + attempt + " attempt(s)");
                return c;
            } catch (SQLException e) {
                s.failedReconnects++;
                if (attempt == 1 || attempt % 20 == 0) {
                    event(s.name, "reconnect attempt " + attempt + " failed: " + describe(e));
                }
                sleepUntil(nowMs() + RECONNECT_PAUSE_MS);
            }
        }
        s.gaveUp = true;
        event(s.name, "gave up reconnecting");
        return null;
    }

    // ---------------------------------------------------------------------------------------
    // Writer: one long-lived connection, autocommit INSERTs with increasing ids
    // ---------------------------------------------------------------------------------------
    static final class Writer implements Runnable {
        final LoopStats stats = new LoopStats("writer");
        final List<Long> acked = Collections.synchronizedList(new ArrayList<>());
        final List<Long> unknown = Collections.synchronizedList(new ArrayList<>());
        final List<Long> sentAt = Collections.synchronizedList(new ArrayList<>());
        Connection conn;
        long endMs;

        @Override
        public void run() {
            long id = 1;
            long sent;
            PreparedStatement ps = null;
            long next = nowMs();
            while (nowMs() < endMs) {
                sent = nowMs();
                try {
                    if (conn == null) {
                        conn = reconnect(stats, writerPort, "", endMs);
                        if (conn == null) {
                            break;
                        }
                        ps = null;
                    }
                    if (ps == null) {
                        ps = conn.prepareStatement("INSERT INTO failover_load(id, at) VALUES (?, now())");
                    }
                    ps.setLong(1, id);
                    sent = nowMs();
                    ps.executeUpdate();
                    synchronized (acked) {
                        stats.successes.add(nowMs());
                        acked.add(id);
                        sentAt.add(sent);
                    }
                } catch (SQLException e) {
                    // Neither acknowledged nor refused for sure: it may or may not have committed.
                    unknown.add(id);
                    stats.error(e, sent);
                    if (broken(conn, e)) {
                        closeQuietly(ps);
                        closeQuietly(conn);
                        ps = null;
                        conn = null;
                    }
                }
                id++;
                next += PERIOD_MS;
                long now = nowMs();
                if (next < now) {
                    next = now;
                }
                sleepUntil(next);
            }
            closeQuietly(ps);
            closeQuietly(conn);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Reader: SELECT 1 through the reader endpoint
    // ---------------------------------------------------------------------------------------
    static final class Reader implements Runnable {
        final LoopStats stats = new LoopStats("reader");
        Connection conn;
        long endMs;

        @Override
        public void run() {
            Statement st = null;
            long sent;
            long next = nowMs();
            while (nowMs() < endMs) {
                sent = nowMs();
                try {
                    if (conn == null) {
                        conn = reconnect(stats, readerPort, "", endMs);
                        if (conn == null) {
                            break;
                        }
                        st = null;
                    }
                    if (st == null) {
                        st = conn.createStatement();
                    }
                    sent = nowMs();
                    try (ResultSet rs = st.executeQuery("SELECT 1")) {
                        rs.next();
                    }
                    stats.successes.add(nowMs());
                } catch (SQLException e) {
                    stats.error(e, sent);
                    if (broken(conn, e)) {
                        closeQuietly(st);
                        closeQuietly(conn);
                        st = null;
                        conn = null;
                    }
                }
                next += PERIOD_MS;
                long now = nowMs();
                if (next < now) {
                    next = now;
                }
                sleepUntil(next);
            }
            closeQuietly(st);
            closeQuietly(conn);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Idle sessions: opened before the fault, one server-prepared query a second
    // ---------------------------------------------------------------------------------------
    static final class IdleSession implements Runnable {
        final int index;
        final String tag;
        /** The state the idle query must answer with, as the dialect renders it. */
        String expected;
        Connection conn;
        PreparedStatement ps;
        long endMs;
        long startOffsetMs;
        int uses;
        int usesAfterFault;
        final AtomicReference<String> error = new AtomicReference<>();
        String stateLost;
        String onStandby;
        long failedSent;
        long failedAfterMs = -1;
        /** Epoch ms of each use: when its statement was sent and when it was answered (or failed). */
        final List<long[]> useTimes = Collections.synchronizedList(new ArrayList<>());

        IdleSession(int index) {
            this.index = index;
            this.tag = "idle-" + index;
        }

        void open() throws SQLException {
            conn = connect(writerPort, dialect.idleUrlOptions());
            try (Statement st = conn.createStatement()) {
                dialect.setUp(st, this);
            }
            expected = dialect.expectedState(this);
            ps = conn.prepareStatement(dialect.idleQuery());
            use(); // the first use makes it server-prepared
        }

        void use() throws SQLException {
            ps.setInt(1, index);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getInt(1) != index || !expected.equals(rs.getString(2))) {
                    stateLost = "answered (" + rs.getInt(1) + ", " + rs.getString(2) + ") instead of (" + index + ", "
                            + expected + ")";
                }
                if (rs.getBoolean(3) && onStandby == null) {
                    onStandby = "writer session answered from a read-only server (in recovery, or read_only)";
                }
            }
            uses++;
        }

        @Override
        public void run() {
            long next = nowMs() + startOffsetMs;
            while (true) {
                sleepUntil(next);
                if (nowMs() >= endMs) {
                    break;
                }
                long sent = nowMs();
                try {
                    use();
                    useTimes.add(new long[] {sent, nowMs()});
                    Long fault = faultAt();
                    if (fault != null && nowMs() > fault) {
                        usesAfterFault++;
                    }
                } catch (SQLException e) {
                    useTimes.add(new long[] {sent, nowMs()});
                    failedSent = sent;
                    failedAfterMs = nowMs() - sent;
                    error.compareAndSet(null, describe(e));
                    event(tag, "error " + describe(e));
                    break; // broken for the application: count it, stop using it
                }
                next += 1000;
            }
            closeQuietly(ps);
            closeQuietly(conn);
        }
    }

    static volatile Long faultAtCache;

    /** The fault time the caller wrote, once it is there. */
    static Long faultAt() {
        if (faultAtCache != null || faultFile == null) {
            return faultAtCache;
        }
        try {
            if (Files.isRegularFile(faultFile)) {
                String s = Files.readString(faultFile).trim();
                if (!s.isEmpty()) {
                    faultAtCache = Long.parseLong(s);
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // not written yet
        }
        return faultAtCache;
    }

    /** Largest gap between consecutive successes: {gapMs, fromMs, toMs}. */
    static long[] maxGap(List<Long> ok, long startMs, long endMs) {
        long best = -1, from = startMs, to = endMs;
        long prev = startMs;
        for (long t : ok) {
            if (t - prev > best) {
                best = t - prev;
                from = prev;
                to = t;
            }
            prev = t;
        }
        if (endMs - prev > best) {
            best = endMs - prev;
            from = prev;
            to = endMs;
        }
        return new long[] {best, from, to};
    }

    /**
     * The outage caused by the fault: the largest gap between consecutive successes from the last
     * success at or before the fault on. A few requests may still succeed on the dying primary
     * right after the kill (its backends outlive the postmaster for a moment), so the gap that
     * straddles the kill is not necessarily the outage.
     * Returns {gapMs, gapStartMs, gapEndMs (endMs when nothing came after it), successes after the
     * fault but before the gap, lastBeforeFaultMs}.
     */
    static long[] outage(List<Long> ok, long fault, long startMs, long endMs) {
        long prev = startMs;
        int i = 0;
        while (i < ok.size() && ok.get(i) <= fault) {
            prev = ok.get(i++);
        }
        long lastBefore = prev;
        long best = -1, from = prev, to = endMs;
        int afterFault = 0, beforeGap = 0;
        for (; i < ok.size(); i++) {
            long t = ok.get(i);
            if (t - prev > best) {
                best = t - prev;
                from = prev;
                to = t;
                beforeGap = afterFault;
            }
            afterFault++;
            prev = t;
        }
        if (endMs - prev > best) {
            best = endMs - prev;
            from = prev;
            to = endMs;
            beforeGap = afterFault;
        }
        return new long[] {best, from, to, beforeGap, lastBefore};
    }

    public static void main(String[] args) throws Exception {
        parse(args);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);

        // Every connection is opened before the clock starts.
        Writer writer = new Writer();
        Reader reader = new Reader();
        List<IdleSession> idle = new ArrayList<>();
        try {
            writer.conn = connect(writerPort, "");
            reader.conn = connect(readerPort, "");
            for (int i = 0; i < sessions; i++) {
                IdleSession s = new IdleSession(i + 1);
                s.open();
                idle.add(s);
            }
        } catch (SQLException e) {
            System.err.println("FailoverLoad: cannot open the connections before the run: " + describe(e));
            System.exit(3);
        }

        long startMs = nowMs();
        long endMs = startMs + durationSeconds * 1000L;
        writer.endMs = endMs;
        reader.endMs = endMs;
        List<Thread> threads = new ArrayList<>();
        threads.add(new Thread(writer, "writer"));
        threads.add(new Thread(reader, "reader"));
        for (int i = 0; i < idle.size(); i++) {
            IdleSession s = idle.get(i);
            s.endMs = endMs;
            s.startOffsetMs = 1000L * i / Math.max(1, idle.size()); // spread the uses over the second
            threads.add(new Thread(s, s.tag));
        }
        out.println("ready at_ms=" + startMs + " end_ms=" + endMs);
        threads.forEach(Thread::start);
        // Bounded: a thread can be stuck at most in a 20 s connect + 15 s statement past the end.
        long joinDeadline = endMs + 60_000;
        for (Thread t : threads) {
            t.join(Math.max(1, joinDeadline - nowMs()));
        }
        boolean stuck = threads.stream().anyMatch(Thread::isAlive);
        long finishedMs = nowMs();

        // Snapshots: a thread stuck in the driver could still append.
        List<Long> acked;
        List<Long> ackedAt;
        List<Long> sentAt;
        synchronized (writer.acked) {
            acked = List.copyOf(writer.acked);
            ackedAt = snapshot(writer.stats.successes);
            sentAt = snapshot(writer.sentAt);
        }
        Long faultMs = faultAt();
        if (faultMs != null) {
            // The writes around the kill, for the event log: which were acknowledged, when.
            for (int i = 0; i < acked.size(); i++) {
                long at = ackedAt.get(i);
                if (at >= faultMs - 30 && at <= faultMs + 3000) {
                    EVENTS.add(at + " writer ok id=" + acked.get(i) + " sent " + (at - sentAt.get(i)) + " ms before");
                }
            }
            synchronized (EVENTS) {
                EVENTS.sort((a, b) -> Long.compare(Long.parseLong(a.split(" ", 2)[0]), Long.parseLong(b.split(" ", 2)[0])));
            }
        }
        List<Long> unknown = snapshot(writer.unknown);
        List<String> ids = acked.stream().map(String::valueOf).toList();
        Files.write(idsFile, ids, StandardCharsets.UTF_8);
        if (eventsFile != null) {
            synchronized (EVENTS) {
                Files.write(eventsFile, EVENTS, StandardCharsets.UTF_8);
            }
        }

        Long fault = faultAt();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("start_ms", Long.toString(startMs));
        m.put("end_ms", Long.toString(endMs));
        m.put("fault_ms", fault == null ? "" : Long.toString(fault));
        report(m, "write", writer.stats, fault, startMs, endMs);
        report(m, "read", reader.stats, fault, startMs, endMs);
        m.put("acked", Integer.toString(acked.size()));
        m.put("unacknowledged_attempts", Integer.toString(unknown.size()));
        m.put("unacknowledged_ids", String.join(",", unknown.stream().limit(20).map(String::valueOf).toList())
                + (unknown.size() > 20 ? ",..." : ""));
        m.put("last_acked_before_fault", lastAckedBefore(acked, ackedAt, fault));

        int preserved = 0, broken = 0, brokenBusy = 0, stateLost = 0, onStandby = 0, hung = 0;
        String firstSessionError = "";
        List<String> sessionDetails = new ArrayList<>();
        for (IdleSession s : idle) {
            boolean ok = s.error.get() == null && s.stateLost == null && s.onStandby == null
                    && (fault == null || s.usesAfterFault > 0);
            // A session whose statement was on its way when the primary died was not idle: the
            // design gives it an error, so it is counted apart.
            boolean busy = fault != null && snapshotUses(s.useTimes).stream()
                    .anyMatch(u -> u[0] <= fault && u[1] >= fault);
            // A use that took longer than 5 s was not answered: the client waited for its own timeout.
            boolean slow = snapshotUses(s.useTimes).stream().anyMatch(u -> u[1] - u[0] > 5000);
            if (slow) {
                hung++;
            }
            if (ok) {
                preserved++;
            } else if (busy) {
                brokenBusy++;
            } else {
                broken++;
            }
            if (s.stateLost != null) {
                stateLost++;
            }
            if (s.onStandby != null) {
                onStandby++;
            }
            if (firstSessionError.isEmpty() && s.error.get() != null) {
                firstSessionError = s.error.get();
            }
            sessionDetails.add(s.tag + ":" + (ok ? "preserved" : busy ? "broken_busy" : "broken") + "/uses=" + s.uses + "/after_fault="
                    + s.usesAfterFault + (s.error.get() != null ? "/error" : "")
                    + (s.failedAfterMs >= 0 ? "/failed_use_sent=" + (fault == null ? "?" : String.format("%+d", s.failedSent - fault))
                            + "ms_failed_after=" + s.failedAfterMs + "ms" : "")
                    + (slow ? "/hung" : "") + (s.stateLost != null ? "/state_lost" : "")
                    + (s.onStandby != null ? "/on_standby" : ""));
        }
        m.put("sessions", Integer.toString(idle.size()));
        m.put("sessions_preserved", Integer.toString(preserved));
        m.put("sessions_broken", Integer.toString(broken));
        m.put("sessions_broken_busy", Integer.toString(brokenBusy));
        m.put("sessions_hung", Integer.toString(hung));
        m.put("sessions_state_lost", Integer.toString(stateLost));
        m.put("sessions_on_standby", Integer.toString(onStandby));
        m.put("sessions_first_error", firstSessionError);
        m.put("sessions_detail", String.join(" ", sessionDetails));
        m.put("threads_stuck", Boolean.toString(stuck));
        m.put("finished_ms", Long.toString(finishedMs));
        m.forEach((k, v) -> out.println(k + "=" + v));
        out.flush();
        // Threads stuck in the driver must not keep the JVM alive.
        System.exit(stuck ? 4 : 0);
    }

    static List<long[]> snapshotUses(List<long[]> list) {
        synchronized (list) {
            return List.copyOf(list);
        }
    }

    static List<Long> snapshot(List<Long> list) {
        synchronized (list) {
            return List.copyOf(list);
        }
    }

    static String lastAckedBefore(List<Long> acked, List<Long> ackedAt, Long fault) {
        if (fault == null) {
            return "";
        }
        long last = 0;
        for (int i = 0; i < acked.size() && i < ackedAt.size(); i++) {
            if (ackedAt.get(i) <= fault) {
                last = acked.get(i);
            } else {
                break;
            }
        }
        return Long.toString(last);
    }

    static void report(Map<String, String> m, String p, LoopStats s, Long fault, long startMs, long endMs) {
        List<Long> ok = snapshot(s.successes);
        long[] max = maxGap(ok, startMs, endMs);
        if (fault != null) {
            long[] g = outage(ok, fault, startMs, endMs);
            boolean recovered = g[2] < endMs;
            m.put(p + "_unavailable_ms", Long.toString(g[0]));
            m.put(p + "_recovered", Boolean.toString(recovered));
            m.put(p + "_recovery_after_fault_ms", recovered ? Long.toString(g[2] - fault) : "");
            m.put(p + "_outage_from_fault_ms", Long.toString(g[1] - fault));
            m.put(p + "_ok_after_fault_before_outage", Long.toString(g[3]));
            m.put(p + "_last_ok_before_fault_ms", Long.toString(fault - g[4]));
        } else {
            m.put(p + "_unavailable_ms", Long.toString(max[0]));
            m.put(p + "_recovered", Boolean.toString(!ok.isEmpty() && max[2] != endMs));
            m.put(p + "_recovery_after_fault_ms", "");
            m.put(p + "_outage_from_fault_ms", "");
            m.put(p + "_ok_after_fault_before_outage", "");
            m.put(p + "_last_ok_before_fault_ms", "");
        }
        m.put(p + "_max_gap_ms", Long.toString(max[0]));
        m.put(p + "_max_gap_from_ms", Long.toString(max[1] - startMs));
        m.put(p + "_ok", Integer.toString(ok.size()));
        m.put(p + "_errors", Integer.toString(s.errors));
        m.put(p + "_error_kinds", s.errorKinds.entrySet().stream().map(e -> e.getKey() + "x" + e.getValue())
                .reduce((a, b) -> a + "," + b).orElse(""));
        m.put(p + "_reconnects", Integer.toString(s.reconnects));
        m.put(p + "_failed_reconnects", Integer.toString(s.failedReconnects));
        m.put(p + "_gave_up", Boolean.toString(s.gaveUp));
        m.put(p + "_first_error", s.firstError == null ? "" : s.firstError);
        m.put(p + "_first_error_after_fault_ms", s.firstError == null || fault == null ? ""
                : Long.toString(s.firstErrorAt - fault));
    }
}
