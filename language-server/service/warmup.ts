/**
 * Runs every feature once over a small sample so V8 has compiled the hot paths before
 * the first real document arrives (done while the client waits for `initialize`).
 */
import type { LanguageService, TextDoc } from './service';

const SAMPLE = `# syntax=docker/dockerfile:1
ARG BASE=debian:12-slim
FROM \${BASE} AS build
ARG V=1
ENV APP=/opt/app \\
    PATH=/opt/app/bin:$PATH
WORKDIR $APP
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\
    apt-get update && apt-get install -y --no-install-recommends curl \\
    && rm -rf /var/lib/apt/lists/*
RUN <<EOF
echo $V
EOF
COPY --from=build --chmod=0755 --link a /b
LABEL a="b" c=d
EXPOSE 80/tcp
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["true"]
FROM build
WORKDIR $APP/sub
COPY --from=build /a /b
USER app
CMD ["x"]
# the other common forms: file heredocs, bind/secret mounts, multi-line LABEL, exec forms
FROM \${BASE} AS app
ARG BASE
ARG N=1
ENV HOME=/home/app \\
    V=\${N}
RUN --mount=type=bind,source=src,target=/src \\
    --mount=type=secret,id=token,env=TOKEN \\
    --network=none \\
    cp -r /src $HOME/src && ls $HOME | wc -l
COPY <<-"CONF" /etc/app.conf
\tname = app
\tCONF
COPY --link --exclude=*.md --chown=1000:1000 ./app/ $HOME/
LABEL org.opencontainers.image.title="app" \\
      org.opencontainers.image.version="\${N}"
EXPOSE 8080/tcp
USER 1000:1000
ENTRYPOINT ["/app/run"]
`;

/**
 * Diagnostics first: V8 compiles optimized code on a background thread, in the order the
 * functions get hot, and the parser, model and rules are big functions (tens of ms each
 * to optimize). Warming every feature in turn queued hover and completion helpers among
 * them, so parse and buildModel were more often still unoptimized when the first didOpen
 * came. The other features get the rest of the budget.
 * The warm-up moves work from the first didOpen to initialize, it never shortens the time
 * from start to first diagnostics: 300 ms made the first 2,000-line open ~14.5 instead of
 * ~23 ms on a quiet machine, but on a loaded one it cost ~60 ms more initialize than it
 * saved, so the budget stays at 150 ms.
 */
export function warmUp(service: LanguageService, budgetMs = 150): void {
  const text = SAMPLE.repeat(8);
  const start = Date.now();
  const docAt = (k: number): TextDoc => ({ uri: `berth-warmup:${k}`, version: 1, getText: () => text });
  for (let k = 0; k < 30 && Date.now() - start < budgetMs * 0.6; k++) {
    const doc = docAt(k);
    service.diagnostics(doc, k % 2 === 0 ? ['*.log'] : undefined);
    service.close(doc.uri);
  }
  for (let k = 0; k < 10 && Date.now() - start < budgetMs; k++) {
    const doc = docAt(k);
    service.diagnostics(doc);
    for (const position of [{ line: 7, character: 14 }, { line: 8, character: 0 }, { line: 6, character: 9 }, { line: 12, character: 12 }]) {
      service.completion(doc, position);
      service.hover(doc, position);
    }
    service.semanticTokens(doc);
    if (k % 4 === 0) {
      service.documentSymbols(doc);
      service.folding(doc);
      service.format(doc, { tabSize: 4, insertSpaces: true });
    }
    service.close(doc.uri);
  }
}
