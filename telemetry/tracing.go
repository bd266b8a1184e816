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
)

// StartTracing exports spans over OTLP/HTTP to endpoint (e.g.
// http://collector:4318) and makes W3C trace context the propagation format.
// With no endpoint tracing stays off: the global tracer does nothing. The
// returned function flushes and stops the exporter, and gives OpenTelemetry's
// globals back as they were.
func StartTracing(ctx context.Context, endpoint string) (shutdown func(context.Context) error, err error) {
	prevPropagator, prevProvider := otel.GetTextMapPropagator(), otel.GetTracerProvider()
	restore := func() {
		otel.SetTextMapPropagator(prevPropagator)
		otel.SetTracerProvider(prevProvider)
	}
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	if endpoint == "" {
		return func(context.Context) error { restore(); return nil }, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		restore()
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
		restore()
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
