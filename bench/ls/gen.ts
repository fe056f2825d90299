/** Generates a realistic ~2,000-line multi-stage Dockerfile (heredocs, mounts, continuations, ARG/ENV). */
export function generateDockerfile(lines = 2000): string {
  const out: string[] = ['# syntax=docker/dockerfile:1', '# check=error=false', 'ARG BASE_IMAGE=debian:12-slim', 'ARG GO_VERSION=1.22', 'ARG NODE_VERSION=20', ''];
  let i = 0;
  for (;;) {
    const before = out.length;
    const prev = i > 0 ? `stage${i - 1}` : undefined;
    out.push(`# stage${i} builds component ${i}`);
    out.push(i % 3 === 0 || !prev ? `FROM \${BASE_IMAGE} AS stage${i}` : `FROM ${prev} AS stage${i}`);
    out.push(`ARG GO_VERSION`, `ARG COMPONENT_${i}=component-${i}`);
    out.push(`ENV APP_HOME=/opt/app${i} \\`, `    PATH=/opt/app${i}/bin:$PATH \\`, `    COMPONENT=\${COMPONENT_${i}}`);
    out.push(`WORKDIR $APP_HOME`);
    out.push(
      'RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\',
      '    --mount=type=cache,target=/var/lib/apt,sharing=locked \\',
      '    apt-get update \\',
      '    && apt-get install -y --no-install-recommends \\',
      '       ca-certificates \\',
      '       curl \\',
      '       git \\',
      '    && rm -rf /var/lib/apt/lists/*',
    );
    out.push(
      'RUN <<EOF',
      'set -eux',
      `echo "building \${COMPONENT}"`,
      `mkdir -p $APP_HOME/bin`,
      `for f in a b c; do echo $f > $APP_HOME/$f; done`,
      'EOF',
    );
    out.push(
      `COPY <<-"CONF" /etc/app${i}.conf`,
      `\tname = component-${i}`,
      `\tport = ${8000 + i}`,
      '\tCONF',
    );
    out.push(
      `RUN --mount=type=bind,source=src/${i},target=/src \\`,
      '    --mount=type=secret,id=token,env=TOKEN \\',
      `    --network=none \\`,
      `    cp -r /src $APP_HOME/src && \\`,
      `    ls -la $APP_HOME | wc -l`,
    );
    if (prev) out.push(`COPY --from=${prev} --chown=1000:1000 --chmod=0755 /opt/app${i - 1}/bin /opt/app${i}/prev/`);
    out.push(`COPY --link --exclude=*.md ./component${i}/ $APP_HOME/`);
    out.push(`LABEL org.opencontainers.image.title="component ${i}" \\`, `      org.opencontainers.image.version="\${COMPONENT_${i}}"`);
    out.push(`EXPOSE ${8000 + i}/tcp`);
    out.push('HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["curl", "-f", "http://localhost/"]');
    out.push('USER 1000:1000');
    out.push(`ENTRYPOINT ["/opt/app${i}/bin/run"]`);
    out.push(`CMD ["--serve", "--port", "${8000 + i}"]`);
    out.push('');
    i++;
    // stop on a stage boundary; pad with single-line instructions to the exact size
    if (out.length + (out.length - before) > lines) break;
  }
  while (out.length < lines) out.push(`LABEL pad.${out.length}="x"`);
  return out.slice(0, lines).join('\n') + '\n';
}
