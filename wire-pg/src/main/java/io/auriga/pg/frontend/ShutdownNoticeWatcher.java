package io.auriga.pg.frontend;

import io.auriga.pg.protocol.PgMessageScanner;
import io.netty.buffer.ByteBuf;
import io.auriga.pg.protocol.PgError;
import java.util.Map;

/**
 * Spots the FATAL a backend sends just before it goes away with its server (SQLSTATE 57P01
 * admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now — "terminating connection due to
 * unexpected postmaster exit"). The relay holds such a notice back from an idle session it can
 * move to another instance, so the client never sees an error for a failure it need not know of.
 * Only ErrorResponse bodies are read, and those are rare.
 */
final class ShutdownNoticeWatcher implements PgMessageScanner.Watcher {
    private boolean seen;

    @Override
    public boolean wants(byte tag) {
        return tag == 'E';
    }

    @Override
    public void message(byte tag, ByteBuf body) {
        Map<Character, String> fields = PgError.fields(body);
        String code = fields.get('C');
        seen = "FATAL".equals(fields.get('V')) && code != null && code.startsWith("57P0");
    }

    @Override
    public void tooLarge(byte tag, int length) {
        seen = false;
    }

    /** True when the last ErrorResponse was a shutdown notice; reading it clears it. */
    boolean takeSeen() {
        boolean was = seen;
        seen = false;
        return was;
    }
}
