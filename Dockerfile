# The orgcheck container Action: a static-ish Rust binary on a slim base with CA certificates
# (rustls needs the platform's roots) and git (for `orgcheck policy diff --base REF:PATH`).
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin orgcheck

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates git \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/orgcheck /usr/local/bin/orgcheck
ENTRYPOINT ["/usr/local/bin/orgcheck"]
