# syntax=docker/dockerfile:1
# A small image: a static binary on distroless, run as a non-root user.
# The playground's assets are committed (playground/dist), so no npm here.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/vb365-graphql .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/vb365-graphql /vb365-graphql
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/vb365-graphql"]
