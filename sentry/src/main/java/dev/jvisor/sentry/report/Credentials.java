package dev.jvisor.sentry.report;

/** SCM_CREDENTIALS or SO_PEERCRED values: a pid, a uid, a gid. */
public record Credentials(long pid, long uid, long gid) {

    public String described() {
        return "pid " + pid + " uid " + uid + " gid " + gid;
    }
}
