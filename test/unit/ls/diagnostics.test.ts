/** Diagnostics over real JSON-RPC against the spawned server. */
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { TestClient } from './client';

let client: TestClient;
let n = 0;
const open = (text: string, uri = `untitled:Dockerfile-${++n}`): Promise<Diagnostic[]> => client.open(uri, text);
const codes = (ds: Diagnostic[]): string[] => ds.map((d) => String(d.code));
const find = (ds: Diagnostic[], code: string): Diagnostic => {
  const d = ds.find((x) => x.code === code);
  assert.ok(d, `expected ${code} in ${JSON.stringify(codes(ds))}`);
  return d;
};

before(async () => {
  client = new TestClient();
  await client.start();
});
after(async () => {
  await client.stop();
});

describe('BuildKit checks (source "buildkit", code = check name)', () => {
  const cases: [string, string, string, number?][] = [
    ['StageNameCasing', 'FROM alpine:3.20 AS Build\n', "Stage name 'Build' should be lowercase", 0],
    ['FromAsCasing', 'FROM alpine:3.20 as build\n', "'as' and 'FROM' keywords' casing do not match", 0],
    ['NoEmptyContinuation', 'FROM alpine:3.20\nRUN echo a \\\n\n  b\n', 'Empty continuation line', 2],
    ['ConsistentInstructionCasing', 'FROM alpine:3.20\nRUN true\nrun true\n', "Command 'run' should match the case of the command majority (uppercase)", 2],
    ['DuplicateStageName', 'FROM alpine:3.20 AS a\nFROM alpine:3.20 AS a\n', "Duplicate stage name 'a', stage names should be unique", 1],
    ['ReservedStageName', 'FROM alpine:3.20 AS scratch\n', "Stage name should not use the same name as reserved stage 'scratch'", 0],
    ['JSONArgsRecommended', 'FROM alpine:3.20\nCMD my-app --serve\n', 'JSON arguments recommended for CMD to prevent unintended behavior related to OS signals', 1],
    ['MaintainerDeprecated', 'FROM alpine:3.20\nMAINTAINER me\n', 'Maintainer instruction is deprecated in favor of using label', 1],
    ['UndefinedArgInFrom', 'ARG VERSION=1\nFROM alpine:$VERSON\n', "FROM argument 'VERSON' is not declared (did you mean VERSION?)", 1],
    ['WorkdirRelativePath', 'FROM alpine:3.20\nWORKDIR app\n', "Relative workdir 'app' can have unexpected results if the base image changes", 1],
    ['UndefinedVar', 'FROM scratch\nENV PATH_A=/a\nCOPY x $PATHA\n', "Usage of undefined variable '$PATHA' (did you mean $PATH_A?)", 2],
    ['MultipleInstructionsDisallowed', 'FROM alpine:3.20\nCMD ["a"]\nCMD ["b"]\n', 'Multiple CMD instructions should not be used in the same stage because only the last one will be used', 1],
    ['LegacyKeyValueFormat', 'FROM alpine:3.20\nENV A b\n', '"ENV key=value" should be used instead of legacy "ENV key value" format', 1],
    ['InvalidBaseImagePlatform', 'FROM --platform=linux/arm64 alpine:3.20 AS base-arm64\nFROM --platform=linux/amd64 base-arm64 AS x-amd64\n', 'Base image base-arm64 was pulled with platform linux/arm64, expected linux/amd64 for current build', 1],
    ['RedundantTargetPlatform', 'FROM --platform=$TARGETPLATFORM alpine:3.20\n', 'Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior', 0],
    ['SecretsUsedInArgOrEnv', 'FROM alpine:3.20\nARG GITHUB_TOKEN\n', 'Do not use ARG or ENV instructions for sensitive data (ARG "GITHUB_TOKEN")', 1],
    ['InvalidDefaultArgInFrom', 'ARG TAG\nFROM alpine:$TAG\n', 'Default value for ARG alpine:$TAG results in empty or invalid base image name', 1],
    ['FromPlatformFlagConstDisallowed', 'FROM --platform=linux/amd64 alpine:3.20 AS build\n', 'FROM --platform flag should not use constant value "linux/amd64"', 0],
    ['ExposeProtoCasing', 'FROM alpine:3.20\nEXPOSE 80/TCP\n', "Defined protocol '80/TCP' in EXPOSE instruction should be lowercase", 1],
    ['ExposeInvalidFormat', 'FROM alpine:3.20\nEXPOSE 127.0.0.1:80:80\n', "EXPOSE instruction should not define an IP address or host-port mapping, found '127.0.0.1:80:80'", 1],
  ];
  for (const [code, text, message, line] of cases) {
    test(code, async () => {
      const d = find(await open(text), code);
      assert.equal(d.message, message);
      assert.equal(d.source, 'buildkit');
      if (line !== undefined) assert.equal(d.range.start.line, line);
    });
  }

  test('"did you mean" in files with hundreds of definitions: the stage\'s nearest ones and the global ones', async () => {
    const many = Array.from({ length: 300 }, (_, i) => `ARG X${i}=x`);
    const text = ['ARG BASE_VERSION=1', 'ARG IMAGE_TAG=3', 'FROM debian:12', 'ARG COMPONENT_VERSION=2', ...many, 'WORKDIR /$X29X', 'WORKDIR /$BASE_VERSON', 'WORKDIR /$COMPONENT_VERSON', 'FROM alpine:${IMAGE_TAGG}', ''].join('\n');
    const ds = (await open(text)).filter((d) => d.code === 'UndefinedVar' || d.code === 'UndefinedArgInFrom');
    ds.sort((a, b) => a.range.start.line - b.range.start.line);
    assert.deepEqual(ds.map((d) => d.message), [
      // X29X is one edit from X290..X299: the nearest definition wins
      "Usage of undefined variable '$X29X' (did you mean $X299?)",
      // a global ARG, past the stage's own nearest 256
      "Usage of undefined variable '$BASE_VERSON' (did you mean $BASE_VERSION?)",
      // COMPONENT_VERSION is the stage's first definition, more than 256 back: no longer a candidate
      "FROM argument 'IMAGE_TAGG' is not declared (did you mean IMAGE_TAG?)",
    ]);
  });

  test('InvalidDefinitionDescription is experimental: off by default, on with check=experimental', async () => {
    const text = '# a comment\nFROM alpine:3.20 AS base\n';
    assert.ok(!codes(await open(text)).includes('InvalidDefinitionDescription'));
    const d = find(await open('# check=experimental=InvalidDefinitionDescription\n\n' + text), 'InvalidDefinitionDescription');
    assert.equal(d.range.start.line, 2);
    assert.ok(!codes(await open('# check=experimental=all\n\n# base is the base\nFROM alpine:3.20 AS base\n')).includes('InvalidDefinitionDescription'));
  });

  test('CopyIgnoredFile reads the .dockerignore next to the Dockerfile', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ls-'));
    try {
      fs.writeFileSync(path.join(dir, '.dockerignore'), 'secrets/\n*.log\n!keep.log\n');
      const uri = pathToFileURL(path.join(dir, 'Dockerfile')).toString();
      const ds = await client.open(uri, 'FROM alpine:3.20\nCOPY secrets/key.pem /k\nCOPY app.log keep.log src/ /app/\n');
      const ignored = ds.filter((d) => d.code === 'CopyIgnoredFile').map((d) => d.message);
      assert.deepEqual(ignored, [
        'Attempting to Copy file "secrets/key.pem" that is excluded by .dockerignore',
        'Attempting to Copy file "app.log" that is excluded by .dockerignore',
      ]);
      // the file changes: the client reports it and the diagnostics follow
      fs.writeFileSync(path.join(dir, '.dockerignore'), 'src\n');
      const next = client.nextDiagnostics(uri);
      await client.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(path.join(dir, '.dockerignore')).toString(), type: 2 }] });
      assert.deepEqual((await next).diagnostics.filter((d) => d.code === 'CopyIgnoredFile').map((d) => d.message), [
        'Attempting to Copy file "src/" that is excluded by .dockerignore',
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a clean Dockerfile has no diagnostics', async () => {
    const text = [
      '# syntax=docker/dockerfile:1', 'ARG GO_VERSION=1.22', 'FROM golang:${GO_VERSION}-alpine AS build', 'WORKDIR /src',
      'RUN --mount=type=cache,target=/root/.cache/go-build \\', '    go build -o /out/app ./...',
      'FROM alpine:3.20', 'COPY --from=build /out/app /usr/local/bin/app', 'USER nobody', 'ENTRYPOINT ["app"]', '',
    ].join('\n');
    assert.deepEqual(await open(text), []);
  });
});

describe('check directive, suppression, severities', () => {
  test('# check=skip=… drops those checks; error=true makes the rest errors', async () => {
    const text = '# check=skip=StageNameCasing;error=true\nFROM alpine:3.20 AS Build\nWORKDIR app\n';
    const ds = await open(text);
    assert.ok(!codes(ds).includes('StageNameCasing'));
    assert.equal(find(ds, 'WorkdirRelativePath').severity, 1);
    assert.deepEqual(codes(await open('# check=skip=all\nFROM alpine:3.20 AS Build\nWORKDIR app\n')).filter((c) => c === 'WorkdirRelativePath' || c === 'StageNameCasing'), []);
  });

  test('a check directive after an instruction is only a comment', async () => {
    const ds = await open('FROM alpine:3.20 AS Build\n# check=skip=all\n');
    assert.ok(codes(ds).includes('StageNameCasing'));
  });

  test('# berth-ignore on the line before suppresses the named rule only', async () => {
    const text = 'FROM alpine:3.20\n# berth-ignore WorkdirRelativePath\nWORKDIR app\nWORKDIR /x\nRUN cd /tmp\n';
    const ds = await open(text);
    assert.ok(!codes(ds).includes('WorkdirRelativePath'));
    assert.ok(codes(ds).includes('NoCdInRun'));
  });

  test('per-rule severities from workspace/configuration (berth.dockerfile.rules)', async () => {
    const c = new TestClient();
    c.settings = { rules: { StageNameCasing: 'off', WorkdirRelativePath: 'hint', NoCdInRun: 'error' } };
    await c.start();
    try {
      const ds = await c.open('untitled:sev', 'FROM alpine:3.20 AS Build\nWORKDIR app\nRUN cd /x\n');
      assert.ok(!codes(ds).includes('StageNameCasing'));
      assert.equal(find(ds, 'WorkdirRelativePath').severity, 4);
      assert.equal(find(ds, 'NoCdInRun').severity, 1);
    } finally {
      await c.stop();
    }
  });
});

describe('syntax: parse errors, arguments and flags', () => {
  const cases: [string, string, RegExp][] = [
    ['JSONNotStringArray', 'FROM alpine:3.20\nCMD ["a", ["b"]]\n', /arrays must be comprised of strings only/],
    ['InvalidKeyValue', 'FROM alpine:3.20\nENV PATH\n', /ENV must have two arguments/],
    ['UnterminatedHeredoc', 'FROM alpine:3.20\nRUN <<EOF\necho hi\n', /unterminated heredoc EOF/],
    ['NoInstructions', '# only a comment\n', /file with no instructions/],
    ['DuplicateDirective', '# escape=`\n# escape=\\\nFROM alpine:3.20\n', /only one escape parser directive/],
    ['UnknownInstruction', 'FROM alpine:3.20\nRUNN echo\n', /unknown instruction: RUNN \(did you mean RUN\?\)/],
    ['InstructionBeforeFrom', 'RUN echo\nFROM alpine:3.20\n', /not allowed before the first FROM/],
    ['InstructionArguments', 'FROM alpine:3.20 AS\n', /FROM requires either one or three arguments/],
    ['InstructionArguments', 'FROM alpine:3.20\nCOPY onlyone\n', /COPY requires at least two arguments/],
    ['InstructionArguments', 'FROM alpine:3.20\nSHELL /bin/bash -c\n', /SHELL requires the arguments to be in JSON form/],
    ['InstructionArguments', 'FROM alpine:3.20\nHEALTHCHECK CMDD x\n', /Unknown type "CMDD" in HEALTHCHECK/],
    ['InvalidFlag', 'FROM alpine:3.20\nCOPY --chmod=999 a /b\n', /Invalid --chmod value "999"/],
    ['InvalidFlag', 'FROM alpine:3.20\nCOPY --frm=x a /b\n', /Unknown flag: frm \(did you mean --from\?\)/],
    ['InvalidFlag', 'FROM alpine:3.20\nCOPY --link=maybe a /b\n', /Expecting boolean value for flag link/],
    ['InvalidFlag', 'FROM alpine:3.20\nADD --checksum=md5:abc http://x/y /b\n', /Invalid --checksum value/],
    ['InvalidFlag', 'FROM alpine:3.20\nRUN --network=bridge true\n', /Invalid value for --network: "bridge"/],
    ['InvalidFlag', 'FROM alpine:3.20\nRUN --security=privileged true\n', /Invalid value for --security/],
    ['InvalidFlag', 'FROM alpine:3.20\nRUN --mount=type=volume,target=/x true\n', /Unsupported mount type "volume"/],
    ['InvalidFlag', 'FROM alpine:3.20\nRUN --mount=type=cache,target=/x,sharing=everyone true\n', /Invalid value for sharing: "everyone"/],
    ['InvalidFlag', 'FROM alpine:3.20\nRUN --mount=type=cache,tagret=/x true\n', /Unexpected key 'tagret'.*did you mean target/],
    ['InvalidFlag', 'FROM alpine:3.20\nRUN --mount=type=tmpfs,size=1g true\n', /Mount type tmpfs requires a target/],
    ['InvalidFlag', 'FROM alpine:3.20\nRUN --mount=type=secret,id=x,size=3 true\n', /Key 'size' does not apply to mount type secret/],
    ['InvalidFlag', 'FROM alpine:3.20\nCOPY --parents=yes a /b\n', /Expecting boolean value for flag parents/],
    ['InvalidFlag', 'FROM alpine:3.20\nHEALTHCHECK --interval=5 CMD true\n', /Invalid duration for --interval/],
    ['InvalidFlag', 'FROM alpine:3.20\nWORKDIR --chmod=777 /x\n', /Unknown flag: chmod \(WORKDIR takes no flags\)/],
    ['InstructionArguments', 'FROM alpine:3.20\nEXPOSE abc\n', /^Invalid port 'abc' in EXPOSE: expected a number from 0 to 65535/],
    ['InstructionArguments', 'FROM alpine:3.20\nEXPOSE 80 90/foo\n', /^Invalid protocol 'foo' in EXPOSE 90\/foo: expected tcp, udp or sctp$/],
    ['InstructionArguments', 'FROM alpine:3.20\nEXPOSE 70000\n', /^Invalid port '70000' in EXPOSE/],
    ['InstructionArguments', 'FROM alpine:3.20\nEXPOSE 8010-8000/tcp\n', /^Invalid port range '8010-8000' in EXPOSE: the end is below the start$/],
    ['InstructionArguments', 'FROM alpine:3.20\nEXPOSE 8000-x\n', /^Invalid port range '8000-x' in EXPOSE/],
    ['InstructionArguments', 'FROM alpine:3.20\nSTOPSIGNAL FOO\n', /^Invalid STOPSIGNAL 'FOO': expected a signal name such as SIGTERM or a number$/],
    ['InstructionArguments', 'FROM alpine:3.20\nSTOPSIGNAL SIGTREM\n', /^Invalid STOPSIGNAL 'SIGTREM'.*\(did you mean SIGTERM\?\)$/],
    ['InstructionArguments', 'FROM alpine:3.20\nSTOPSIGNAL 0\n', /^Invalid STOPSIGNAL '0': 0 is not a signal$/],
    ['InstructionArguments', 'FROM alpine:3.20\nONBUILD EXPOSE 80/http\n', /^Invalid protocol 'http'/],
  ];
  for (const [code, text, re] of cases) {
    test(`${code}: ${re.source}`, async () => {
      const ds = await open(text);
      const d = ds.find((x) => x.code === code && re.test(x.message));
      assert.ok(d, `no ${code} matching ${re} in ${JSON.stringify(ds.map((x) => x.code + ': ' + x.message))}`);
      assert.equal(d.source, 'syntax');
      assert.equal(d.severity, 1);
    });
  }

  test('EXPOSE and STOPSIGNAL: the invalid part is underlined', async () => {
    const ds = (await open('FROM alpine:3.20\nEXPOSE 80 90/foo abc\nSTOPSIGNAL FOO\n')).filter((d) => d.code === 'InstructionArguments');
    assert.deepEqual(ds.map((d) => [d.range.start.line, d.range.start.character, d.range.end.character]), [[1, 13, 16], [1, 17, 20], [2, 11, 14]]);
  });

  test('valid EXPOSE and STOPSIGNAL values, and values expanded at build time, are accepted', async () => {
    const text = [
      'FROM alpine:3.20',
      'ARG PORT=80 SIG=TERM',
      'EXPOSE 80 0 65535 443/tcp 53/udp 53/UDP 9/Sctp 8000-8010/tcp 8000-8010 "8080" 81/ $PORT ${PORT}/tcp $PORT-9000',
      'STOPSIGNAL SIGTERM', 'STOPSIGNAL TERM', 'STOPSIGNAL sigkill', 'STOPSIGNAL SIGRTMIN+3', 'STOPSIGNAL RTMAX-2', 'STOPSIGNAL 9',
      'STOPSIGNAL SIGWINCH', 'STOPSIGNAL $SIG', 'STOPSIGNAL SIG${SIG}',
      '',
    ].join('\n');
    assert.deepEqual((await open(text)).filter((d) => d.source === 'syntax').map((d) => d.message), []);
  });

  test('EXPOSE with a host mapping is left to ExposeInvalidFormat (one diagnostic, not two)', async () => {
    const ds = await open('FROM alpine:3.20\nEXPOSE 127.0.0.1:80:80 8080:80/tcp\n');
    assert.deepEqual(codes(ds), ['ExposeInvalidFormat', 'ExposeInvalidFormat']);
  });

  test('valid flags and mounts produce no syntax diagnostics', async () => {
    const text = [
      'FROM --platform=$BUILDPLATFORM alpine:3.20 AS build',
      'RUN --mount=type=cache,target=/var/cache/apk,sharing=locked --mount=type=secret,id=npm,required=true --mount=type=bind,from=build,source=/a,target=/b,rw --network=none --security=sandbox true',
      'COPY --chown=1000:1000 --chmod=0755 --link --parents --exclude=*.md a/./b /dst/',
      'ADD --checksum=sha256:' + 'a'.repeat(64) + ' --keep-git-dir=true https://example.com/x.tar.gz /x',
      'HEALTHCHECK --interval=30s --timeout=1m30s --start-period=5s --start-interval=1s --retries=3 CMD ["true"]',
      '',
    ].join('\n');
    assert.deepEqual((await open(text)).filter((d) => d.source === 'syntax'), []);
  });
});

describe('best-practice rules (source "best-practice")', () => {
  const cases: [string, string][] = [
    ['AbsoluteWorkdir', 'FROM alpine:3.20\nWORKDIR /a\nWORKDIR b\n'],
    ['NoCdInRun', 'FROM alpine:3.20\nRUN cd /x && make\n'],
    ['NoSudo', 'FROM alpine:3.20\nRUN sudo make install\n'],
    ['PinBaseImageTag', 'FROM ubuntu\n'],
    ['NoLatestTag', 'FROM ubuntu:latest\n'],
    ['AptGetYes', 'FROM debian:12\nRUN apt-get update && apt-get install --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n'],
    ['AptNoInstallRecommends', 'FROM debian:12\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n'],
    ['AptCleanLists', 'FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n'],
    ['CopyOverAdd', 'FROM alpine:3.20\nADD app /app\n'],
    ['CopyFromUnknownStage', 'FROM alpine:3.20\nCOPY --from=builder /a /b\n'],
    ['PipefailBeforePipe', 'FROM alpine:3.20\nRUN curl -s x | sh\n'],
    ['LastUserRoot', 'FROM alpine:3.20\nUSER root\n'],
    ['ApkNoCache', 'FROM alpine:3.20\nRUN apk update && apk add curl\n'],
    ['PipNoCacheDir', 'FROM python:3.12\nRUN pip install -r requirements.txt\n'],
  ];
  for (const [code, text] of cases) {
    test(code, async () => {
      const ds = await open(text);
      const d = find(ds, code);
      assert.equal(d.source, 'best-practice');
      // exactly one rule of its kind fires for the example
      assert.equal(ds.filter((x) => x.code === code).length, 1);
    });
  }

  test('CopyFromUnknownStage: a stage defined later in the file', async () => {
    const text = [
      'FROM alpine:3.20 AS first',
      'COPY --from=later /a /a',
      'RUN --mount=from=Later,target=/m true',
      'COPY --from=1 /b /b',
      'COPY --from=7 /c /c',
      'ONBUILD COPY --from=later /d /d',
      'FROM alpine:3.20 AS later',
      'FROM alpine:3.20',
      'COPY --from=first /e /e',
      'COPY --from=0 /f /f',
      '',
    ].join('\n');
    const ds = (await open(text)).filter((d) => d.code === 'CopyFromUnknownStage');
    assert.deepEqual(ds.map((d) => [d.range.start.line, d.message]), [
      // line 2: RUN --mount needs BuildKit, which resolves a later stage
      [1, "'later' is defined after this stage; COPY --from should name an earlier stage (the legacy builder cannot use a later one)"],
      [3, 'stage 1 is defined after this stage; COPY --from should name an earlier stage (the legacy builder cannot use a later one)'],
      [4, 'there is no stage 7: stages are numbered from 0 to 2'],
    ]);
    assert.equal(ds[0].range.start.character, 12);
    assert.equal(ds[0].range.end.character, 17);
    assert.equal(ds[1].range.start.character, 12);
  });

  test('CopyFromUnknownStage: a later stage that depends on this one is a circular dependency', async () => {
    const text = [
      'FROM alpine:3.20 AS a',
      'COPY --from=c /x /x',
      'COPY --from=2 /y /y',
      'RUN --mount=from=c,target=/m true',
      'FROM a AS b',
      'FROM alpine:3.20 AS c',
      'COPY --from=b /z /z',
      '',
    ].join('\n');
    const ds = (await open(text)).filter((d) => d.code === 'CopyFromUnknownStage');
    assert.deepEqual(ds.map((d) => [d.range.start.line, d.message]), [
      [1, "'c' is defined after this stage and depends on it: BuildKit fails with a circular dependency"],
      [2, 'stage 2 is defined after this stage and depends on it: BuildKit fails with a circular dependency'],
      [3, "'c' is defined after this stage and depends on it: BuildKit fails with a circular dependency"],
    ]);
  });

  test('ONBUILD RUN triggers are checked like RUN', async () => {
    const ds = await open('FROM debian:12\nONBUILD RUN cd /x && make\nONBUILD RUN sudo apt-get install curl\nonbuild run pip install y\n');
    const got = ds.filter((d) => d.source === 'best-practice').map((d) => [d.code, d.range.start.line, d.range.start.character]);
    assert.deepEqual(got, [
      ['NoCdInRun', 1, 12],
      ['NoSudo', 2, 12],
      ['AptGetYes', 2, 17],
      ['AptNoInstallRecommends', 2, 17],
      ['AptCleanLists', 2, 17],
      ['PipNoCacheDir', 3, 12],
    ]);
  });

  test('no false positives on the good forms', async () => {
    const text = [
      'FROM debian:12 AS build',
      'SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
      'RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*',
      'RUN curl -s x | sh',
      'ADD https://example.com/a.tar.gz /a',
      'ADD b.tar.gz /b',
      'RUN apk add --no-cache curl && pip3 install --no-cache-dir x',
      'RUN --mount=type=cache,target=/root/.cache/pip pip install y',
      'FROM alpine:3.20',
      'COPY --from=build /a /a',
      'COPY --from=docker.io/library/busybox:1.36 /bin/busybox /bin/',
      'USER app',
      '',
    ].join('\n');
    const ds = (await open(text)).filter((d) => d.source === 'best-practice');
    assert.deepEqual(ds.map((d) => d.code), []);
  });
});

describe('debounced diagnostics', () => {
  test('incremental edits are applied before diagnosing', async () => {
    const uri = 'untitled:incremental';
    const first = await client.open(uri, 'FROM alpine:3.20 AS Build\nWORKDIR /app\n');
    assert.deepEqual(codes(first), ['StageNameCasing']);
    await client.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: 0, character: 20 }, end: { line: 0, character: 21 } }, text: 'b' }, { range: { start: { line: 1, character: 8 }, end: { line: 1, character: 9 } }, text: '' }],
    });
    const p = await client.diagnostics(uri, 2);
    assert.deepEqual(codes(p.diagnostics), ['WorkdirRelativePath']);
  });

  test('closing a document clears its diagnostics', async () => {
    const uri = 'untitled:closing';
    await client.open(uri, 'FROM alpine:3.20 AS Build\n');
    const cleared = client.nextDiagnostics(uri);
    await client.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
    assert.deepEqual((await cleared).diagnostics, []);
  });

  test('rapid edits publish diagnostics for the latest version only', async () => {
    const uri = 'untitled:debounce';
    await client.open(uri, 'FROM alpine:3.20\n');
    const before = client.published.length;
    await client.change(uri, 'FROM alpine:3.20 AS A\n');
    await client.change(uri, 'FROM alpine:3.20 AS B\n');
    const v = await client.change(uri, 'FROM alpine:3.20 AS C\n');
    const p = await client.diagnostics(uri, v);
    assert.equal(find(p.diagnostics, 'StageNameCasing').message, "Stage name 'C' should be lowercase");
    const mine = client.published.slice(before).filter((x) => x.uri === uri);
    assert.deepEqual(mine.map((x) => x.version), [v]);
  });
});
