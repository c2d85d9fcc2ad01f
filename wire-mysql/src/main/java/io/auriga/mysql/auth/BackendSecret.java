package io.auriga.mysql.auth;

import io.auriga.mysql.protocol.AuthSwitchRequest;
import java.util.Arrays;

/**
 * What the proxy keeps of a client's password to log in to any backend as that client later — after a
 * failover, on a replica, on a kept connection — and which answers that backend's challenge:
 * <pre>
 *   Native   SHA1(password)     first response: the mysql_native_password answer to the greeting's scramble;
 *                               AuthSwitchRequest(mysql_native_password, scramble) → answered again
 *   Ed25519  SHA512(password)   first response: empty, as the server's greeting plugin is another;
 *                               AuthSwitchRequest(client_ed25519, 32-byte nonce) → 64-byte signature
 * </pre>
 * Neither is the password; each is what the account's plugin needs, and enough to log in as it.
 */
public sealed interface BackendSecret {

    String NATIVE = "mysql_native_password";
    String CLIENT_ED25519 = "client_ed25519";

    /** The auth response of a HandshakeResponse41 or COM_CHANGE_USER to {@code scramble}. */
    byte[] firstResponse(byte[] scramble);

    /** The answer to a backend's AuthSwitchRequest, or null when this secret cannot answer its plugin. */
    byte[] answer(AuthSwitchRequest request);

    /** The plugin this secret answers, for messages. */
    String plugin();

    /** {@code SHA1(password)}, which answers any mysql_native_password scramble. */
    record Native(byte[] stage1) implements BackendSecret {
        public Native {
            stage1 = stage1.clone();
        }

        @Override
        public byte[] stage1() {
            return stage1.clone();
        }

        @Override
        public byte[] firstResponse(byte[] scramble) {
            return NativePassword.response(stage1, scramble);
        }

        @Override
        public byte[] answer(AuthSwitchRequest request) {
            return NATIVE.equals(request.pluginName()) ? NativePassword.response(stage1, request.scramble()) : null;
        }

        @Override
        public String plugin() {
            return NATIVE;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Native n && Arrays.equals(stage1, n.stage1);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(stage1);
        }

        @Override
        public String toString() {
            return "BackendSecret.Native";
        }
    }

    /** {@code az = SHA512(password)} of a MariaDB ed25519 account ({@link Ed25519Password}). */
    record Ed25519(byte[] az) implements BackendSecret {
        public Ed25519 {
            if (az.length != Ed25519Password.SECRET_LENGTH) {
                throw new IllegalArgumentException("az must be " + Ed25519Password.SECRET_LENGTH + " bytes");
            }
            az = az.clone();
        }

        @Override
        public byte[] az() {
            return az.clone();
        }

        /**
         * Empty: the server's greeting came from its default plugin, so it switches to the account's
         * (client_ed25519) whatever this says, and an answer to a scramble would be the wrong plugin's.
         */
        @Override
        public byte[] firstResponse(byte[] scramble) {
            return new byte[0];
        }

        /** The nonce is the plugin data as sent, all 32 bytes (one may be a trailing 0). */
        @Override
        public byte[] answer(AuthSwitchRequest request) {
            byte[] nonce = request.pluginData();
            return CLIENT_ED25519.equals(request.pluginName()) && nonce.length == Ed25519Password.KEY_LENGTH
                    ? Ed25519Password.sign(az, nonce) : null;
        }

        @Override
        public String plugin() {
            return CLIENT_ED25519;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Ed25519 e && Arrays.equals(az, e.az);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(az);
        }

        @Override
        public String toString() {
            return "BackendSecret.Ed25519";
        }
    }
}
