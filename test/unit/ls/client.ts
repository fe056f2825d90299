/** A real LSP client over JSON-RPC (stdio) against the spawned server process. */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  createProtocolConnection, StreamMessageReader, StreamMessageWriter, type ProtocolConnection,
  PublishDiagnosticsNotification, type Diagnostic, type PublishDiagnosticsParams, type TextEdit,
} from 'vscode-languageserver-protocol/node';
import { SERVER_JS } from './paths';

export class TestClient {
  readonly proc: ChildProcess;
  readonly conn: ProtocolConnection;
  private waiters: { uri: string; version?: number; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
  readonly published: PublishDiagnosticsParams[] = [];
  /** window/logMessage texts; the server logs a handler that threw as `berth-dockerfile: <handler> failed: …` */
  readonly logs: string[] = [];
  private version = new Map<string, number>();
  stderr = '';

  constructor(serverPath = SERVER_JS, args: string[] = ['--stdio']) {
    this.proc = spawn(process.execPath, [serverPath, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr?.on('data', (d) => (this.stderr += String(d)));
    this.conn = createProtocolConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.published.push(p);
      this.waiters = this.waiters.filter((w) => {
        if (w.uri === p.uri && (w.version === undefined || p.version === w.version)) {
          w.resolve(p);
          return false;
        }
        return true;
      });
    });
    this.conn.onRequest('workspace/configuration', () => [this.settings]);
    this.conn.onRequest('client/registerCapability', () => null);
    this.conn.onNotification('window/logMessage', (p: { message: string }) => this.logs.push(p.message));
    this.conn.listen();
    // a dead server fails the pending requests instead of leaving the test hanging
    this.proc.on('exit', () => this.conn.dispose());
  }

  settings: unknown = {};

  async start(initializationOptions?: unknown, configuration = true): Promise<unknown> {
    const r = await this.conn.sendRequest('initialize', {
      processId: process.pid, rootUri: null, initializationOptions,
      capabilities: { workspace: { configuration }, textDocument: { publishDiagnostics: { versionSupport: true } } },
    });
    await this.conn.sendNotification('initialized', {});
    return r;
  }

  diagnostics(uri: string, version?: number): Promise<PublishDiagnosticsParams> {
    const have = [...this.published].reverse().find((p) => p.uri === uri && (version === undefined || p.version === version));
    if (have) return Promise.resolve(have);
    return new Promise((resolve) => this.waiters.push({ uri, version, resolve }));
  }

  nextDiagnostics(uri: string, version?: number): Promise<PublishDiagnosticsParams> {
    return new Promise((resolve) => this.waiters.push({ uri, version, resolve }));
  }

  async open(uri: string, text: string): Promise<Diagnostic[]> {
    this.version.set(uri, 1);
    const p = this.nextDiagnostics(uri, 1);
    await this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'dockerfile', version: 1, text } });
    return (await p).diagnostics;
  }

  async change(uri: string, text: string): Promise<number> {
    const v = (this.version.get(uri) ?? 1) + 1;
    this.version.set(uri, v);
    await this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [{ text }] });
    return v;
  }

  /** Handlers that threw (their answers were the empty fallback). */
  failures(): string[] {
    return this.logs.filter((m) => / failed: /.test(m));
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.conn.sendRequest(method, params) as Promise<R>;
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
      await this.conn.sendNotification('exit');
    } catch {
      // already gone
    }
    this.conn.dispose();
    if (this.proc.exitCode === null) this.proc.kill();
  }
}

/** `text` with the edits applied (edits in LSP positions, applied from the last one back). */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split('\n');
  const off = (p: { line: number; character: number }): number => lines.slice(0, p.line).reduce((a, l) => a + l.length + 1, 0) + p.character;
  const sorted = [...edits].sort((a, b) => off(b.range.start) - off(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, off(e.range.start)) + e.newText + out.slice(off(e.range.end));
  return out;
}
