/**
 * The contract between the Berth extension and the Berth Dockerfile language server.
 * This is the ONE place that declares settings keys and custom messages; both sides
 * import it. It must stay free of runtime dependencies other than the LSP protocol types.
 */
import { NotificationType } from 'vscode-languageserver-protocol';

/** The language id the server serves. */
export const LANGUAGE_ID = 'dockerfile';

/** Settings section; the server asks for it with workspace/configuration. */
export const SETTINGS_SECTION = 'berth.dockerfile';

/** Per-rule severity override. "off" disables the rule. */
export type RuleSeverity = 'off' | 'error' | 'warning' | 'information' | 'hint';

/** The settings the server understands, under `berth.dockerfile.*`. */
export interface DockerfileSettings {
  /** `berth.dockerfile.rules`: rule name (diagnostic code) -> severity. */
  rules: Record<string, RuleSeverity>;
  /** `berth.dockerfile.format.keepContinuationIndent`: keep hand-indented continuation lines. */
  format: { keepContinuationIndent: boolean };
  /** `berth.dockerfile.diagnostics.delay`: debounce in ms before diagnostics are computed. */
  diagnostics: { delay: number };
}

/** Full setting keys, for package.json `contributes.configuration` mirroring. */
export const SETTING_KEYS = {
  rules: 'berth.dockerfile.rules',
  keepContinuationIndent: 'berth.dockerfile.format.keepContinuationIndent',
  diagnosticsDelay: 'berth.dockerfile.diagnostics.delay',
} as const;

export const DEFAULT_SETTINGS: DockerfileSettings = {
  rules: {},
  format: { keepContinuationIndent: false },
  diagnostics: { delay: 150 },
};

/** Parameters of `berth/localImages`: local image references, e.g. "alpine:3.20". */
export interface LocalImagesParams {
  images: string[];
}

/**
 * Client -> server notification: the local images (from the engine) offered by
 * completion after FROM and COPY --from=. Sent whenever the list changes; replaces it.
 */
export const LocalImagesNotification = new NotificationType<LocalImagesParams>('berth/localImages');

/** Diagnostic `source` values (the rule family). */
export const DiagnosticSource = {
  buildkit: 'buildkit',
  bestPractice: 'best-practice',
  syntax: 'syntax',
} as const;

/** Inline suppression comment: `# berth-ignore RuleA,RuleB` on the line before an instruction. */
export const SUPPRESSION_PREFIX = 'berth-ignore';
