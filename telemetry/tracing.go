package telemetry

import (
	"context"
	"errors"
	"net/url"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace/noop"
)

// StartTracing exports spans over OTLP/HTTP to endpoint (e.g.
// http://collector:4318) and makes W3C trace context the propagation format.
// With no endpoint tracing stays off: the global tracer does nothing. The
// returned function flushes and stops the exporter, and gives OpenTelemetry's
// globals back as they were.
func StartTracing(ctx context.Context, endpoint string) (shutdown func(context.Context) error, err error) {
	prevPropagator, prevProvider := otel.GetTextMapPropagator(), otel.GetTracerProvider()
	restorePropagator := func() { otel.SetTextMapPropagator(prevPropagator) }
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	if endpoint == "" {
		// The tracer provider is left alone: setting OpenTelemetry's default
		// one back onto itself makes it log a complaint at every shutdown.
		return func(context.Context) error { restorePropagator(); return nil }, nil
	}
	restore := func() {
		restorePropagator()
		if _, set := prevProvider.(*sdktrace.TracerProvider); set {
			otel.SetTracerProvider(prevProvider)
		} else {
			otel.SetTracerProvider(noop.NewTracerProvider()) // not the default onto itself (see above)
		}
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		restorePropagator()
		return nil, errors.New("not a URL such as http://collector:4318")
	}
	opts := []otlptracehttp.Option{otlptracehttp.WithEndpoint(u.Host), otlptracehttp.WithTimeout(5 * time.Second)}
	if u.Scheme == "http" {
		opts = append(opts, otlptracehttp.WithInsecure())
	}
	if u.Path != "" && u.Path != "/" {
		opts = append(opts, otlptracehttp.WithURLPath(u.Path))
	}
	exporter, err := otlptracehttp.New(ctx, opts...)
	if err != nil {
		restorePropagator()
		return nil, err
	}
	provider := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exporter, sdktrace.WithBatchTimeout(time.Second)),
		sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName("vb365-graphql"))),
	)
	otel.SetTracerProvider(provider)
	return func(ctx context.Context) error {
		defer restore()
		return provider.Shutdown(ctx)
	}, nil
}
