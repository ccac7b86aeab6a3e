# The orgcheck image: one static binary and nothing else. TLS roots are built into the binary,
# so there is no CA bundle, shell or package manager to patch. The binary is built outside
# (.ci/dist, per architecture); this file only packs it, here and in the release alike.
FROM scratch
ARG TARGETARCH
LABEL org.opencontainers.image.title="orgcheck" \
      org.opencontainers.image.description="Does every CI job in every repository run the steps your organization requires?" \
      org.opencontainers.image.source="https://github.com/orgcheck/orgcheck-action" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"
COPY dist/linux-${TARGETARCH}/orgcheck /orgcheck
ENTRYPOINT ["/orgcheck"]
