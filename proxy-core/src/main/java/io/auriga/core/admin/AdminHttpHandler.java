package io.auriga.core.admin;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.auriga.core.topology.Role;
import io.auriga.core.topology.Topology;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.auriga.core.LogText;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the admin API's requests on the event loop. Every answer is computed from the
 * current topology snapshots and counters without blocking, so one handler serves all
 * connections.
 *
 * <pre>
 * GET /health    200 {"status":"ok"} | 503 {"status":"degraded","clusters":[{"name","reason"}]}
 * GET /topology  200 the {@link TopologyJson} document
 * GET /metrics   200 Prometheus text
 * POST /switchover?cluster=C[&amp;to=I]
 *                200 {@link SwitchoverJson} when done | 400 no cluster | 404 unknown cluster or instance
 *                | 409 refused (busy, no primary, target not eligible) | 500 failed and rolled back
 * other path     404        other method  405 (Allow: GET, HEAD; POST for /switchover)   malformed  400
 * </pre>
 * A switchover is answered when it has ended, which may take a while; the connection is not
 * closed as idle meanwhile.
 *
 * HEAD is answered like GET without a body, as HTTP requires of any server that supports GET.
 *
 * <p>Before any of that, {@link AdminAccess} decides whether the request may be served at all:
 * 401 without a valid bearer token or verified client certificate, 403 for a foreign
 * {@code Host}/{@code Origin} or when neither is configured. A switchover is logged with who asked
 * for it (the client certificate's subject, or "admin token").
 */
@Sharable
final class AdminHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(AdminHttpHandler.class);
    private static final JsonMapper JSON = new JsonMapper();
    private static final String JSON_TYPE = "application/json";
    private static final String TEXT_TYPE = "text/plain; charset=utf-8";

    private static final io.netty.util.AttributeKey<Boolean> BUSY = io.netty.util.AttributeKey.valueOf(
            "auriga.admin.busy");

    private final Supplier<List<Topology>> topologies;
    private final Metrics metrics;
    private final AdminControl control;
    private final AdminAccess access;

    AdminHttpHandler(Supplier<List<Topology>> topologies, Metrics metrics, AdminControl control, AdminAccess access) {
        this.topologies = topologies;
        this.metrics = metrics;
        this.control = control;
        this.access = access;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        DecoderResult decoded = request.decoderResult();
        if (decoded.isFailure()) {
            // The decoder cannot resynchronise after a malformed request, so the connection ends.
            HttpResponseStatus status = decoded.cause() instanceof TooLongHttpLineException
                    ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                    : decoded.cause() instanceof TooLongHttpHeaderException
                    ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : HttpResponseStatus.BAD_REQUEST;
            send(ctx, request, text(status, "bad request: " + decoded.cause().getMessage()), false);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        HttpMethod method = request.method();
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String clientSubject = AdminAccess.verifiedClient(ctx.channel());
        var refusal = access.check(request, uri.path(), (InetSocketAddress) ctx.channel().localAddress(),
                clientSubject);
        if (refusal.isPresent()) {
            log.debug("Admin request {} {} from {} refused: {}", method, LogText.escape(request.uri()),
                    ctx.channel().remoteAddress(), refusal.get().message());
            FullHttpResponse response = text(refusal.get().status(), refusal.get().message());
            if (refusal.get().asksForToken()) {
                response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"auriga-admin\"");
            }
            send(ctx, request, response, keepAlive);
            return;
        }
        if (uri.path().equals("/switchover")) {
            switchover(ctx, request, uri, keepAlive, clientSubject);
            return;
        }
        if (!HttpMethod.GET.equals(method) && !HttpMethod.HEAD.equals(method)) {
            FullHttpResponse response = text(HttpResponseStatus.METHOD_NOT_ALLOWED, method + " is not allowed");
            response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            send(ctx, request, response, keepAlive);
            return;
        }
        FullHttpResponse response;
        try {
            response = route(uri.path());
        } catch (RuntimeException e) {
            // A failing topology supplier is a bug elsewhere; answer, log, and keep serving.
            log.warn("Admin request {} failed", LogText.escape(request.uri()), e);
            response = text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error: " + e);
        }
        if (HttpMethod.HEAD.equals(method)) {
            response = withoutBody(response);
        }
        send(ctx, request, response, keepAlive);
    }

    private FullHttpResponse route(String path) {
        return switch (path) {
            case "/health" -> health(topologies.get());
            case "/topology" -> response(HttpResponseStatus.OK, JSON_TYPE,
                    Unpooled.wrappedBuffer(TopologyJson.write(topologies.get(), control::inProgress)));
            case "/metrics" -> response(HttpResponseStatus.OK, PrometheusText.CONTENT_TYPE,
                    utf8(metrics.render(topologies.get())));
            default -> text(HttpResponseStatus.NOT_FOUND, "not found: " + path
                    + " (try /health, /topology, /metrics, POST /switchover)");
        };
    }

    /** Starts a switchover and answers when it has ended; the event loop never waits for it. */
    private void switchover(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder uri,
                            boolean keepAlive, String clientSubject) {
        if (!HttpMethod.POST.equals(request.method())) {
            FullHttpResponse response = text(HttpResponseStatus.METHOD_NOT_ALLOWED, request.method()
                    + " is not allowed: a switchover changes the cluster, so it takes POST");
            response.headers().set(HttpHeaderNames.ALLOW, "POST");
            send(ctx, request, response, keepAlive);
            return;
        }
        String cluster = parameter(uri, "cluster");
        if (cluster == null) {
            send(ctx, request, text(HttpResponseStatus.BAD_REQUEST,
                    "missing query parameter cluster: POST /switchover?cluster=NAME[&to=INSTANCE]"), keepAlive);
            return;
        }
        String target = parameter(uri, "to");
        log.info("Admin API: switchover of cluster {}{} requested by {} from {}", LogText.escape(cluster),
                target == null ? "" : " to " + LogText.escape(target), access.credential(request, clientSubject),
                ctx.channel().remoteAddress());
        HttpVersion version = request.protocolVersion();
        ctx.channel().attr(BUSY).set(true);
        control.switchover(cluster, target).whenComplete((result, failure) -> ctx.executor().execute(() -> {
            ctx.channel().attr(BUSY).set(null);
            FullHttpResponse response;
            if (failure != null) {
                log.error("switchover of cluster {} failed", LogText.escape(cluster), failure);
                response = text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "switchover failed: " + failure);
            } else {
                response = response(HttpResponseStatus.valueOf(result.outcome().httpStatus()), JSON_TYPE,
                        utf8(SwitchoverJson.write(result)));
            }
            HttpUtil.setKeepAlive(response.headers(), version, keepAlive);
            var written = ctx.writeAndFlush(response);
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }));
    }

    private static String parameter(QueryStringDecoder uri, String name) {
        List<String> values = uri.parameters().get(name);
        if (values == null || values.isEmpty() || values.get(0).isBlank()) {
            return null;
        }
        return values.get(0).strip();
    }

    /** Healthy when every cluster has exactly one primary: a cluster without one cannot take writes. */
    private static FullHttpResponse health(List<Topology> all) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode degraded = JSON.createArrayNode();
        for (Topology t : all) {
            long primaries = t.instances().stream().filter(i -> i.role() == Role.PRIMARY).count();
            if (primaries != 1) {
                degraded.addObject()
                        .put("name", t.cluster())
                        .put("reason", primaries == 0 ? "no primary" : primaries + " instances claim to be primary");
            }
        }
        if (degraded.isEmpty()) {
            body.put("status", "ok");
            return response(HttpResponseStatus.OK, JSON_TYPE, utf8(body.toString()));
        }
        body.put("status", "degraded");
        body.set("clusters", degraded);
        return response(HttpResponseStatus.SERVICE_UNAVAILABLE, JSON_TYPE, utf8(body.toString()));
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof SslHandshakeCompletionEvent handshake && handshake.cause() instanceof SSLException) {
            // Most often a client certificate from another authority: the operator needs to know why.
            // A connection closed before its handshake (a TCP health check) is no such news.
            log.info("Admin TLS handshake with {} failed: {}", ctx.channel().remoteAddress(),
                    LogText.escape(String.valueOf(handshake.cause().getMessage())));
        } else if (event instanceof IdleStateEvent) {
            if (ctx.channel().attr(BUSY).get() != null) {
                return; // a switchover is running for this connection's request
            }
            ctx.close(); // an idle keep-alive connection only holds a file descriptor
        } else {
            super.userEventTriggered(ctx, event);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("Admin connection {} failed", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response,
                             boolean keepAlive) {
        HttpUtil.setKeepAlive(response.headers(), request.protocolVersion(), keepAlive);
        var written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static FullHttpResponse text(HttpResponseStatus status, String message) {
        return response(status, TEXT_TYPE, utf8(message + "\n"));
    }

    private static FullHttpResponse response(HttpResponseStatus status, String contentType, ByteBuf body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        return response;
    }

    /** The same headers, Content-Length included, with the body released. */
    private static FullHttpResponse withoutBody(FullHttpResponse full) {
        FullHttpResponse head = full.replace(Unpooled.EMPTY_BUFFER);
        full.release();
        return head;
    }

    private static ByteBuf utf8(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    }
}
