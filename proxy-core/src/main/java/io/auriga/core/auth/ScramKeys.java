package io.auriga.core.auth;

/** The keys a SCRAM client needs for one salt: ClientKey to prove, StoredKey and ServerKey to check. */
public record ScramKeys(byte[] clientKey, byte[] storedKey, byte[] serverKey) {
}
