/*
 * The process state a program inherits besides its environment and descriptors: cwd,
 * umask, nice value, resource limits, signal dispositions and mask, and whether it shares
 * its parent's process group and session (job control and terminal signals depend on it).
 */
#include "probe.h"

#include <limits.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

static void print_limit(const char *name, int resource) {
    struct rlimit limit;
    if (getrlimit(resource, &limit) != 0) {
        say("%s: -1 %s\n", name, errno_name(errno));
        return;
    }
    char soft[32], hard[32];
    if (limit.rlim_cur == RLIM_INFINITY) snprintf(soft, sizeof soft, "unlimited");
    else snprintf(soft, sizeof soft, "%llu", (unsigned long long)limit.rlim_cur);
    if (limit.rlim_max == RLIM_INFINITY) snprintf(hard, sizeof hard, "unlimited");
    else snprintf(hard, sizeof hard, "%llu", (unsigned long long)limit.rlim_max);
    say("%s: soft %s hard %s\n", name, soft, hard);
}

int main(void) {
    char cwd[PATH_MAX];
    say("cwd: %s\n", getcwd(cwd, sizeof cwd) != NULL ? cwd : errno_name(errno));
    mode_t mask = umask(0);
    say("umask: %03o\n", (unsigned)mask);
    errno = 0;
    int nice_value = getpriority(PRIO_PROCESS, 0);
    say("nice: %d\n", nice_value);
    pid_t parent = getppid();
    say("process group: %s\n", getpgid(0) == getpgid(parent) ? "parent's" : "own");
    say("session: %s\n", getsid(0) == getsid(parent) ? "parent's" : "own");

    print_limit("RLIMIT_NOFILE", RLIMIT_NOFILE);
    print_limit("RLIMIT_NPROC", RLIMIT_NPROC);
    print_limit("RLIMIT_STACK", RLIMIT_STACK);
    print_limit("RLIMIT_CORE", RLIMIT_CORE);
    print_limit("RLIMIT_AS", RLIMIT_AS);
    print_limit("RLIMIT_DATA", RLIMIT_DATA);
    print_limit("RLIMIT_FSIZE", RLIMIT_FSIZE);
    print_limit("RLIMIT_MEMLOCK", RLIMIT_MEMLOCK);
    print_limit("RLIMIT_SIGPENDING", RLIMIT_SIGPENDING);
    print_limit("RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE);
    print_limit("RLIMIT_CPU", RLIMIT_CPU);

    char ignored[512] = "", caught[512] = "";
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction action;
        if (sigaction(sig, NULL, &action) != 0) continue;
        char number[8];
        snprintf(number, sizeof number, " %d", sig);
        if (action.sa_handler == SIG_IGN) strcat(ignored, number);
        else if (action.sa_handler != SIG_DFL) strcat(caught, number);
    }
    say("ignored:%s\n", ignored);
    say("caught:%s\n", caught);
    sigset_t blocked;
    sigprocmask(SIG_BLOCK, NULL, &blocked);
    char list[512] = "";
    for (int sig = 1; sig < NSIG; sig++) {
        if (sigismember(&blocked, sig) == 1) {
            char number[8];
            snprintf(number, sizeof number, " %d", sig);
            strcat(list, number);
        }
    }
    say("blocked:%s\n", list);
    sigset_t pending;
    sigpending(&pending);
    say("pending: %s\n", sigisemptyset(&pending) ? "none" : "some");
    return 0;
}
