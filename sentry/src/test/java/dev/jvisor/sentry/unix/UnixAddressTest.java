package dev.jvisor.sentry.unix;

import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sockaddr_un rules of net/unix/af_unix.c (unix_validate_addr, unix_mkname_bsd). */
class UnixAddressTest {
    private static byte[] sockaddr(int family, String path, int length) {
        byte[] raw = new byte[Math.max(length, 2 + path.length())];
        raw[0] = (byte) family;
        raw[1] = (byte) (family >> 8);
        byte[] bytes = path.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(bytes, 0, raw, 2, bytes.length);
        return Arrays.copyOf(raw, length);
    }

    @ParameterizedTest(name = "length {0}")
    @ValueSource(ints = {0, 1, 2, 111, 128})
    void lengthsOutsideTheFamilyAndSunPathAreEinval(int length) {
        ErrnoException e = assertThrows(ErrnoException.class, () -> UnixAddress.parse(sockaddr(1, "x", length)));
        assertEquals(Errno.EINVAL, e.errno());
    }

    @Test
    void anotherFamilyIsEinval() {
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class,
                () -> UnixAddress.parse(sockaddr(2, "x", 10))).errno());
    }

    @Test
    void aPathEndsAtItsFirstNulAndReportsTheNul() {
        UnixAddress address = UnixAddress.parse(sockaddr(1, "a.sock\0junk", 20));
        assertEquals(new UnixAddress.Pathname("a.sock".getBytes(StandardCharsets.US_ASCII)), address);
        assertEquals(2 + 6 + 1, address.encode().length);
    }

    @Test
    void aFullSunPathNeedsNoNulAndReportsLength111() {
        String path = "p".repeat(108);
        UnixAddress address = UnixAddress.parse(sockaddr(1, path, 110));
        assertEquals(111, address.encode().length);
    }

    @Test
    void anAbstractNameIsEveryByteAddrlenCoversNulsIncluded() {
        UnixAddress address = UnixAddress.parse(sockaddr(1, "\0ab\0c", 7));
        UnixAddress.Abstract name = assertInstanceOf(UnixAddress.Abstract.class, address);
        assertArrayEquals("\0ab\0c".getBytes(StandardCharsets.ISO_8859_1), name.name());
        assertEquals(7, address.encode().length);
        assertFalse(address.equals(UnixAddress.parse(sockaddr(1, "\0ab\0c\0", 8))));
    }

    @Test
    void onlyTheBareFamilyAsksForAutobind() {
        assertTrue(UnixAddress.isAutobind(sockaddr(1, "", 2)));
        assertFalse(UnixAddress.isAutobind(sockaddr(2, "", 2)));
        assertFalse(UnixAddress.isAutobind(sockaddr(1, "\0", 3)));
    }

    @Test
    void unnamedIsTheFamilyAlone() {
        assertTrue(Arrays.equals(new byte[] {1, 0}, UnixAddress.UNNAMED.encode()));
    }

    @Test
    void aKernelPathnameKeepsItsNulAndComparesWithoutIt() {
        byte[] kept = "/tmp/s\0".getBytes(StandardCharsets.US_ASCII);
        assertEquals(new UnixAddress.Pathname("/tmp/s".getBytes(StandardCharsets.US_ASCII)),
                UnixAddress.fromKernelName(kept));
    }

    @Test
    void aKernelAbstractNameIsTakenWhole() {
        byte[] name = "\0ab\0".getBytes(StandardCharsets.US_ASCII);
        assertEquals(new UnixAddress.Abstract(name), UnixAddress.fromKernelName(name));
    }

    @Test
    void aKernelSockaddrOfTheFamilyAloneIsUnnamed() {
        assertEquals(UnixAddress.UNNAMED, UnixAddress.fromKernelSockaddr(new byte[] {1, 0}));
        assertEquals(new UnixAddress.Abstract("\0x".getBytes(StandardCharsets.US_ASCII)),
                UnixAddress.fromKernelSockaddr(new byte[] {1, 0, 0, 'x'}));
    }

    /** Where bind makes a path's file: its directory (the cwd for a bare name) and last component. */
    @Test
    void aPathNamesItsDirectoryAndLastComponent() {
        for (String[] c : new String[][] {{"s.sock", ".", "s.sock"}, {"/s.sock", "/", "s.sock"},
                {"run/a/s.sock", "run/a", "s.sock"}, {"/tmp/x/", "/tmp/x", ""}}) {
            UnixAddress.Pathname name = new UnixAddress.Pathname(c[0].getBytes(StandardCharsets.US_ASCII));
            assertEquals(c[1], new String(name.directory(), StandardCharsets.US_ASCII), c[0]);
            assertEquals(c[2], new String(name.lastComponent(), StandardCharsets.US_ASCII), c[0]);
        }
    }
}
