package dev.jvisor.platform;

/** A system call as the x86-64 ABI makes it: a number and six argument registers. */
public record Syscall(int number, long arg0, long arg1, long arg2, long arg3, long arg4, long arg5) {

    /** A call with the given leading arguments; the rest are 0. */
    public static Syscall of(int number, long... args) {
        if (args.length > 6) throw new IllegalArgumentException("a syscall has at most 6 arguments");
        long[] a = java.util.Arrays.copyOf(args, 6);
        return new Syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
    }

    public long arg(int index) {
        return switch (index) {
            case 0 -> arg0;
            case 1 -> arg1;
            case 2 -> arg2;
            case 3 -> arg3;
            case 4 -> arg4;
            case 5 -> arg5;
            default -> throw new IndexOutOfBoundsException(index);
        };
    }

    @Override
    public String toString() {
        return Sysno.name(number) + "(" + Long.toHexString(arg0) + ", " + Long.toHexString(arg1) + ", "
                + Long.toHexString(arg2) + ", " + Long.toHexString(arg3) + ", " + Long.toHexString(arg4)
                + ", " + Long.toHexString(arg5) + ")";
    }
}
