/*
 * Dies of the signal its argument names, the way real programs do: SEGV by touching an
 * unmapped page, KILL by kill(2), ABRT by abort(3). Says what it is about to do first.
 */
#include "probe.h"

#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: die-by-signal segv|kill|abrt\n");
        return 2;
    }
    /* A dying probe leaves no core file behind. */
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    say("dying of %s\n", argv[1]);
    if (strcmp(argv[1], "segv") == 0) {
        /* The address is read at run time so the compiler cannot see the fault coming. */
        volatile uintptr_t nowhere = 8;
        *(volatile int *)nowhere = 1;
    } else if (strcmp(argv[1], "kill") == 0) {
        kill(getpid(), SIGKILL);
    } else if (strcmp(argv[1], "abrt") == 0) {
        abort();
    }
    say("still alive\n");
    return 1;
}
