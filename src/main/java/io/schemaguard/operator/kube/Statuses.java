package io.schemaguard.operator.kube;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Statuses as the API server stores them (JSON): a deep copy, so a decision builds the next status
 * from the previous one without touching it (and a field added later is never dropped), and a
 * comparison, so an unchanged status is not patched (our status classes have no equals).
 */
public final class Statuses {
    private static final ObjectMapper JSON =
            new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Statuses() {}

    @SuppressWarnings("unchecked")
    public static <S> S copy(S status) {
        return status == null ? null : (S) JSON.convertValue(status, status.getClass());
    }

    /** {@code status}'s copy, or a new one from {@code empty} when there is none yet. */
    public static <S> S copyOr(S status, Supplier<S> empty) {
        return status == null ? empty.get() : copy(status);
    }

    public static boolean same(Object previous, Object next) {
        if (previous == null || next == null) {
            return previous == next;
        }
        return Objects.equals(JSON.valueToTree(previous), JSON.valueToTree(next));
    }
}
