package io.auriga.mysql.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.HexFormat;

/**
 * Packets captured from real peers, with their 4-byte packet headers: the greeting of a MariaDB
 * 10.11 server, and the {@code mariadb} 10.11 command-line client's answer to it for user
 * {@code auriga}, password {@code auriga}, database {@code auriga}.
 */
public final class CapturedPackets {
    private CapturedPackets() {
    }

    public static final String MARIADB_GREETING = "640000000a352e352e352d31302e31312e31392d4d6172696144422d30"
            + "2b64656231327531000a00000058333242372b717700fef72d0200ff81150000000000001d000000244a292d44504445"
            + "6e783334006d7973716c5f6e61746976655f70617373776f726400";

    public static final String MARIADB_CLIENT_RESPONSE = "d90000018ca2bf00000010002100000000000000000000000000000000"
            + "0000001d0000006175726967610014bb50ea44b50ed419de4f7ca4f850273eac008b72617572696761006d7973716c5f"
            + "6e61746976655f70617373776f7264007f035f6f73054c696e75780c5f636c69656e745f6e616d650a6c69626d617269"
            + "616462045f7069640532303432340f5f636c69656e745f76657273696f6e06332e332e3230095f706c6174666f726d06"
            + "7838365f36340c70726f6772616d5f6e616d65056d7973716c0c5f7365727665725f686f7374093132372e302e302e31";

    /** The scramble of {@link #MARIADB_GREETING}. */
    public static final String GREETING_SCRAMBLE = "58333242372b7177244a292d445044456e783334";

    /** The client's mysql_native_password response in {@link #MARIADB_CLIENT_RESPONSE}. */
    public static final String CLIENT_AUTH_RESPONSE = "bb50ea44b50ed419de4f7ca4f850273eac008b72";

    /** {@code SELECT PASSWORD('auriga')} on MariaDB 10.11. */
    public static final String AURIGA_STORED_HASH = "*96D20E0D5BDFCC0EF859A7AE2D2151FF7D2B37A1";

    public static ByteBuf bytes(String hex) {
        return Unpooled.wrappedBuffer(HexFormat.of().parseHex(hex));
    }

    /** The payload of a captured packet (its 4-byte header skipped). */
    public static ByteBuf payload(String hex) {
        return bytes(hex).skipBytes(4);
    }
}
