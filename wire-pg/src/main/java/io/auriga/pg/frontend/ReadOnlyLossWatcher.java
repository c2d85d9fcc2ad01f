package io.auriga.pg.frontend;

import io.auriga.pg.protocol.PgMessageScanner;
import io.auriga.pg.protocol.PgMessages;
import io.netty.buffer.ByteBuf;

/**
 * Backs up {@link PgReadOnlyGuard} on the server's side: a reader session that lifted
 * {@code default_transaction_read_only} by a way no lexical check sees (a function or a
 * {@code DO} block that calls {@code set_config}, say) is told on by the server itself, which
 * reports every change of that setting in a ParameterStatus (PostgreSQL 14 and later). Only
 * ParameterStatus bodies are read, and those are rare.
 */
final class ReadOnlyLossWatcher implements PgMessageScanner.Watcher {
    static final String SETTING = "default_transaction_read_only";

    private boolean lost;

    @Override
    public boolean wants(byte tag) {
        return tag == 'S';
    }

    @Override
    public void message(byte tag, ByteBuf body) {
        String name = PgMessages.readCString(body);
        String value = PgMessages.readCString(body);
        if (SETTING.equals(name) && !"on".equals(value)) {
            lost = true;
        }
    }

    @Override
    public void tooLarge(byte tag, int length) {
        // A setting's report this long is not this setting's: its value is on or off.
    }

    /** True once the server reported the session's default as read-write. */
    boolean lost() {
        return lost;
    }
}
