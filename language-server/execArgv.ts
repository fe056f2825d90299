/**
 * Node flags for the server process. The extension should pass them as
 * vscode-languageclient's `options.execArgv` (before any user-configured
 * `berth.languageServer.args`); the benchmark (bench/ls) starts our server with exactly
 * these flags.
 */
export const SERVER_EXEC_ARGV: readonly string[] = ['--max-semi-space-size=8'];
