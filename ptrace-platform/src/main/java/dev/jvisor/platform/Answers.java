package dev.jvisor.platform;

import java.util.function.UnaryOperator;

/**
 * Follows a handler's action to the answer the program gets, for decorators that must see
 * results (a recording, an audit). A call the kernel would run as the program made it
 * ({@link Action.Passthrough}) or as rewritten ({@link Action.Rewrite}) is run as an
 * injected call instead, so that its result can be read at its exit: the kernel still
 * answers it, in the program's context, blocking as before; this costs one stop more.
 */
public final class Answers {
    private Answers() {}

    /**
     * {@code action}, with {@code onAnswer} given the answer that ends the call (a
     * {@link Action.Return}, {@link Action.Fail} or {@link Action.Interrupted}) and
     * returning what the program gets.
     */
    public static Action whenAnswered(SyscallStop stop, Action action, UnaryOperator<Action> onAnswer) {
        return switch (action) {
            case Action.Passthrough p -> Action.inject(stop.call(), result -> onAnswer.apply(result.asAction()));
            case Action.Rewrite r -> Action.inject(r.call(), result -> onAnswer.apply(result.asAction()));
            case Action.Inject i -> new Action.Inject(i.call(), result -> {
                Action next;
                try {
                    next = i.then().resume(result);
                } catch (ErrnoException e) {
                    next = Action.fail(e.errno());
                }
                return whenAnswered(stop, next, onAnswer);
            }, i.ifSignalled() == null ? null : () -> onAnswer.apply(i.ifSignalled().get()));
            case Action.InHelper h -> new Action.InHelper(h.call(), (helper, result) -> {
                Action next;
                try {
                    next = h.then().resume(helper, result);
                } catch (ErrnoException e) {
                    next = Action.fail(e.errno());
                }
                return whenAnswered(stop, next, onAnswer);
            });
            case Action.Quiesced q -> new Action.Quiesced(() -> {
                Action next;
                try {
                    next = q.then().get();
                } catch (ErrnoException e) {
                    next = Action.fail(e.errno());
                }
                return whenAnswered(stop, next, onAnswer);
            });
            case Action.Return r -> onAnswer.apply(r);
            case Action.Fail f -> onAnswer.apply(f);
            case Action.Interrupted i -> onAnswer.apply(i);
        };
    }
}
