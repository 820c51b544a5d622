package dev.jvisor.sentry.trace;

import dev.jvisor.platform.Action;
import dev.jvisor.platform.Answers;
import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.ForwardingHandler;
import dev.jvisor.platform.SyscallHandler;
import dev.jvisor.platform.SyscallStop;
import dev.jvisor.platform.Sysno;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Records every trapped call that the handler it wraps answers, with its decoded arguments,
 * result and outputs. A call the wrapped handler passes through is run as an injected call,
 * so that its result and outputs can be read at its exit: the kernel still answers it, in
 * the program's context, blocking in the kernel as before.
 */
public final class RecordingHandler extends ForwardingHandler {
    private static final Logger log = LoggerFactory.getLogger(RecordingHandler.class);

    private final ProcessNames names;
    private final Consumer<CallRecord> sink;
    /** Calls whose record could not be made whole: a recording that hides them would lie. */
    private int decodingFailures;

    public RecordingHandler(SyscallHandler delegate, ProcessNames names, Consumer<CallRecord> sink) {
        super(delegate);
        this.names = names;
        this.sink = sink;
    }

    /** How many calls could not be decoded (a bug in jvisor, reported by conform as an error). */
    public int decodingFailures() {
        return decodingFailures;
    }

    @Override
    public Action onSyscall(SyscallStop stop) {
        // The credential calls are trapped for the sentry's bookkeeping; the record is of socket calls.
        if (!CallDecoder.isSocketCall(stop.call().number())) return delegate().onSyscall(stop);
        List<Field> arguments = decode(stop, () -> CallDecoder.arguments(stop));
        Action action;
        try {
            action = delegate().onSyscall(stop);
        } catch (ErrnoException e) {
            action = Action.fail(e.errno());
        }
        return Answers.whenAnswered(stop, action, answer -> finish(stop, arguments, answer));
    }

    private Action finish(SyscallStop stop, List<Field> arguments, Action answer) {
        String result;
        List<Field> outputs = List.of();
        switch (answer) {
            case Action.Return r -> {
                result = Long.toString(r.value());
                outputs = decode(stop, () -> CallDecoder.outputs(stop, r.value(), arguments));
            }
            case Action.Fail f -> result = "-1 " + f.errno().name();
            case Action.Interrupted i -> result = CallRecord.INTERRUPTED;
            default -> throw new IllegalStateException("not an answer: " + answer);
        }
        sink.accept(new CallRecord(names.threadName(stop.tid()), stop.pid(), stop.tid(),
                Sysno.name(stop.call().number()), arguments, result, outputs));
        return answer;
    }

    private List<Field> decode(SyscallStop stop, Supplier<List<Field>> decoder) {
        try {
            return decoder.get();
        } catch (RuntimeException e) {
            decodingFailures++;
            log.error("{}: cannot decode the call", stop, e);
            return List.of(new Field("decoding-failed", String.valueOf(e)));
        }
    }

    @Override
    public void onClone(Clone clone) {
        names.onClone(clone);
        super.onClone(clone);
    }
}
