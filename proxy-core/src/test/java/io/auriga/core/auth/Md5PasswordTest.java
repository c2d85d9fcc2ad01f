package io.auriga.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Md5PasswordTest {

    @Test
    void storedHashIsMd5OfPasswordThenUser() {
        // Same value as PostgreSQL: SELECT 'md5' || md5('postgres' || 'postgres')
        assertEquals("md53175bce1d3201d16594cebf9d7eb3f9d", Md5Password.storedHash("postgres", "postgres"));
        assertTrue(Md5Password.isStoredHash("md53175bce1d3201d16594cebf9d7eb3f9d"));
        assertFalse(Md5Password.isStoredHash("SCRAM-SHA-256$4096:..."));
    }

    @Test
    void theStoredHashAnswersAnySalt() {
        String stored = Md5Password.storedHash("app", "secret");
        byte[] salt = {1, 2, 3, 4};
        String response = Md5Password.response(stored, salt);
        assertTrue(Md5Password.verify(stored, salt, response));
        assertFalse(Md5Password.verify(stored, new byte[] {4, 3, 2, 1}, response));
        assertFalse(Md5Password.verify(Md5Password.storedHash("app", "other"), salt, response));
    }
}
