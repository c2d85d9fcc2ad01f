package io.auriga.core.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.auriga.core.failover.SwitchoverResult;
import java.io.IOException;
import java.util.List;

/**
 * The {@code POST /switchover} answer, both ways: rendered from a {@link SwitchoverResult} by the
 * admin server and parsed back by {@code auriga switchover}.
 *
 * <pre>{@code
 * {"cluster":"main","outcome":"completed","oldPrimary":"pg1","newPrimary":"pg2","pauseMillis":212,
 *  "durationMillis":2480,"formerPrimary":"replica","message":"switched over from pg1 to pg2; …",
 *  "steps":[{"name":"hold","millis":0,"detail":"…"}, …]}
 * }</pre>
 * {@code outcome} is {@code completed}, {@code unknown} (404), {@code conflict} (409),
 * {@code rolled-back} (500) or {@code unsupported} (501). Unknown fields are ignored when parsing.
 */
public final class SwitchoverJson {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private SwitchoverJson() {
    }

    /** The document. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record View(String cluster, String outcome, String oldPrimary, String newPrimary, Long pauseMillis,
                       Long durationMillis, String formerPrimary, String message, List<StepView> steps) {
        public View {
            steps = steps == null ? List.of() : List.copyOf(steps);
        }
    }

    /** One step of the switchover and how long it took. */
    public record StepView(String name, long millis, String detail) {
    }

    public static View view(SwitchoverResult result) {
        boolean ran = result.oldPrimary() != null;
        return new View(result.cluster(), result.outcome().wireName(), result.oldPrimary(), result.newPrimary(),
                ran ? result.pauseMillis() : null, ran ? result.durationMillis() : null, result.formerPrimary(),
                result.message(), result.steps().stream().map(s -> new StepView(s.name(), s.millis(), s.detail()))
                .toList());
    }

    public static String write(SwitchoverResult result) {
        try {
            return MAPPER.writeValueAsString(view(result));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render switchover JSON", e);
        }
    }

    /** @throws IOException when the text is not such a document */
    public static View parse(String json) throws IOException {
        View view = MAPPER.readValue(json, View.class);
        if (view == null || view.outcome() == null) {
            throw new IOException("not a switchover answer");
        }
        return view;
    }
}
