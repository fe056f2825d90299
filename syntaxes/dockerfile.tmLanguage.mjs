#!/usr/bin/env node
// Source of syntaxes/dockerfile.tmLanguage.json (regexes as String.raw, so they read as
// the regex engine sees them). Regenerate with:
//   node syntaxes/dockerfile.tmLanguage.mjs > syntaxes/dockerfile.tmLanguage.json
// test/unit/grammar checks that the JSON is what this script prints.
//
// Every rule that knows the escape character exists twice: for `\` (the default) and,
// with the suffix `-bt`, for `` ` `` (after a `# escape=`` ` `` directive); the
// directive switches the rest of the file to the second set.

const r = String.raw;
const S = '.dockerfile';

const NAME = r`[A-Za-z_][\w.-]*`;
/** The heredoc operators, each with the indentation it allows before its terminator. */
const OPS = [['<<-', r`\t*`, 'dash'], ['<<', '', 'plain']];
/**
 * Bodies are highlighted for up to this many heredocs on one line; the body of a further
 * one is read as instructions. TextMate cannot keep a list of delimiters, so every count
 * has rules of its own (multiHeredoc), and the grammar grows with it.
 */
const MAX_HEREDOCS = 3;
/** Between two heredocs on their line: anything but another `<<`, except a here-string's `<<<`. */
const GAP = r`(?:[^<\n]|<(?!<)|<<<+)*`;
const ref = (group) => '\\' + group;
const tag = { name: 'entity.name.tag.heredoc' + S };
const heredocOperator = { name: 'keyword.operator.heredoc' + S };
/** A later heredoc on the first line (its body is highlighted by the rules of multiHeredoc). */
const laterHeredoc = { match: r`(?<!<)(<<-?)(["']?)(${NAME})(\2)`, captures: { 1: heredocOperator, 3: tag } };

/**
 * A lookahead, at the first `<<` of a line, that sees at least `count` heredocs. The
 * count-th one has operator `op` and quoting `quote` (a regex group); its delimiter is
 * group `count + 1`.
 */
function nthHeredoc(count, op, quote) {
  const earlier = Array.from({ length: count - 1 }, (_, i) => r`<<-?(["']?)${NAME}` + ref(i + 1));
  return r`(?=${[...earlier, `${op}${quote}(${NAME})${ref(count)}`].join(GAP)})`;
}

/**
 * Several heredocs on one line (`COPY <<A <<B /dst/`, `RUN <<A cat - <<B`): the bodies
 * follow each other, each up to its own terminator. For every count n (2..MAX_HEREDOCS),
 * rules that all begin at the first `<<`:
 *   `<key>-n`: ends at the last terminator; any name will do, as by then the rules
 *     inside have found the exact one.
 *   `<key>-n-<op>-<kind>`: captures the n-th delimiter and holds (begin/while) until its
 *     terminator. Inside: the same rule for n-1 (for n = 2, `<key>-first-*`, the first
 *     heredoc, holding until its terminator), then `<key>-next-<kind>`, which starts at the
 *     (n-1)-th terminator and is the n-th body: it never ends, the while above closes it
 *     (and whatever an embedded grammar left open).
 * `kinds`: [kind, quote group] for the quotings whose bodies differ; `content(kind)` the
 * body's contentName and patterns; `firstLine` the capture rule for the rest of line 1.
 */
function multiHeredoc(key, kinds, content, firstLine) {
  const repo = {};
  const inc = (name) => ({ include: `#${key}-${name}` });
  for (const [kind, quote] of kinds) {
    repo[`${key}-next-${kind}`] = { begin: r`^\t*(${NAME})(?=\s*$)`, beginCaptures: { 1: tag }, end: '(?!)', ...content(kind) };
    for (const [op, indent, opName] of OPS) {
      repo[`${key}-first-${opName}-${kind}`] = {
        begin: r`(${op})${quote}(${NAME})(\2)(.*)`, while: r`^(?!${indent}\3\s*$)`,
        beginCaptures: { 1: heredocOperator, 3: tag, 5: firstLine }, ...content(kind),
      };
    }
  }
  const variants = (n) => kinds.flatMap(([kind]) => OPS.map(([, , opName]) => inc(`${n}-${opName}-${kind}`)));
  const patterns = [];
  for (let n = 2; n <= MAX_HEREDOCS; n++) {
    const earlierBodies = n === 2 ? variants('first') : variants(n - 1);
    for (const [kind, quote] of kinds) {
      for (const [op, indent, opName] of OPS) {
        repo[`${key}-${n}-${opName}-${kind}`] = {
          begin: nthHeredoc(n, op, quote), while: r`^(?!${indent}` + ref(n + 1) + r`\s*$)`,
          patterns: [...earlierBodies, inc(`next-${kind}`)],
        };
      }
    }
    repo[`${key}-${n}`] = {
      comment: `${n} heredocs on one line`,
      begin: nthHeredoc(n, '<<-?', r`(["']?)`), end: r`^\t*(${NAME})(?=\s*$)`, endCaptures: { 1: tag },
      name: 'meta.heredoc' + S, patterns: variants(n),
    };
    // The most heredocs first: the lookahead for n also sees a line with more.
    patterns.unshift({ include: `#${key}-${n}` });
  }
  return { repo, patterns };
}

/** The repository for one escape character. `E` matches it, `C` is it inside [...]. */
function rules(E, C, sfx) {
  const inc = (name) => ({ include: `#${name}${sfx}` });
  const continuation = { match: r`(${E})[ \t]*\n`, captures: { 1: { name: 'constant.character.escape.line-continuation' + S } } };
  const contComment = { match: r`^\s*(#).*\n`, name: 'comment.line.number-sign' + S, captures: { 1: { name: 'punctuation.definition.comment' + S } } };
  const ins = (names) => r`(?:^|\G)\s*((?i:${names}))(?=[ \t\n]|${E}|$)`;
  const keyword = { 1: { name: 'keyword.other.instruction' + S } };
  // A blank line inside a continuation does not end the instruction (BuildKit skips it,
  // and the NoEmptyContinuation check warns); applyEndPatternLast lets that pattern win
  // over the end pattern on an empty line.
  const blank = { match: r`^[ \t]*\n` };
  const copyMulti = multiHeredoc('heredoc-file' + sfx, [['quoted', r`(["'])`], ['bare', '()']],
    (kind) => ({ contentName: 'string.unquoted.heredoc' + S, patterns: kind === 'bare' ? [inc('variable')] : [] }),
    { patterns: [laterHeredoc, inc('value')] });
  const instruction = (key, names, patterns) => ({
    [key + sfx]: {
      begin: ins(names), beginCaptures: keyword, end: r`\n`, applyEndPatternLast: 1,
      name: `meta.instruction.${key}` + S, patterns: [blank, ...patterns],
    },
  });
  return {
    ['instructions' + sfx]: { patterns: ['onbuild', 'from', 'run', 'copy', 'env', 'arg', 'label', 'expose', 'healthcheck', 'other'].map(inc) },
    ['onbuild' + sfx]: {
      begin: ins('ONBUILD') + r`[ \t]*`, beginCaptures: keyword,
      end: r`(?<=\n)|(?=\n)`, name: 'meta.instruction.onbuild' + S,
      patterns: [continuation, inc('instructions')],
    },
    ...instruction('from', 'FROM', [
      inc('flags'), continuation, contComment,
      { match: r`(?<=\s)((?i:AS))[ \t]+([^\s${C}]+)`, captures: { 1: { name: 'keyword.other.as' + S }, 2: { name: 'entity.name.function.stage' + S } } },
      inc('image'),
    ]),
    ['image' + sfx]: {
      comment: 'An image reference: name[:tag][@digest]; variables may appear anywhere.',
      begin: r`(?=[^\s${C}])(?!(?i:AS)\s)`, end: r`(?=[\s${C}])`, name: 'meta.image-reference' + S,
      patterns: [
        inc('variable'),
        { match: r`(@)([\w+.-]+:[0-9a-fA-F]*)`, captures: { 1: { name: 'punctuation.separator.digest' + S }, 2: { name: 'constant.other.image-digest' + S } } },
        { match: r`(:)(\w[\w.-]*)(?=$|[\s@${C}])`, captures: { 1: { name: 'punctuation.separator.tag' + S }, 2: { name: 'constant.other.image-tag' + S } } },
        { match: r`[^\s$@:${C}]+|:`, name: 'entity.name.type.image' + S },
      ],
    },
    ['flags' + sfx]: {
      comment: 'Flags come right after the instruction, possibly over continuation lines; the first word that is not a flag ends them.',
      begin: r`\G(?=[ \t]|${E})`,
      end: r`(?=\n)|(?=[^\s${C}-])|(?=-(?!-))|(?=${E}(?![ \t]*\n))`,
      patterns: [continuation, contComment, inc('flag')],
    },
    ['flag' + sfx]: {
      begin: r`(--)([A-Za-z][\w-]*)(=)?`,
      beginCaptures: { 0: { name: 'variable.parameter.flag' + S }, 1: { name: 'punctuation.definition.flag' + S }, 3: { name: 'keyword.operator.assignment' + S } },
      end: r`(?=[ \t\n]|${E}[ \t]*\n)`, name: 'meta.flag' + S,
      patterns: [
        inc('variable'), inc('string-double'), inc('string-single'),
        { match: r`([\w.-]+)(=)`, captures: { 1: { name: 'entity.other.attribute-name' + S }, 2: { name: 'keyword.operator.assignment' + S } } },
        { match: ',', name: 'punctuation.separator.comma' + S },
        { match: r`[^\s,=$"'${C}]+`, name: 'string.unquoted.flag-value' + S },
      ],
    },
    ...instruction('run', 'RUN|CMD|ENTRYPOINT|SHELL', [
      inc('flags'), continuation, contComment, { include: '#json-array' }, inc('interpreter'), { include: '#heredoc-shell' }, inc('shell'),
    ]),
    ...instruction('copy', 'COPY|ADD', [
      inc('flags'), continuation, contComment, { include: '#json-array' }, inc('heredoc-file'),
      inc('string-double'), inc('string-single'), inc('variable'),
    ]),
    ...instruction('healthcheck', 'HEALTHCHECK', [
      inc('flags'), continuation, contComment,
      { match: r`(?i:\bNONE\b)`, name: 'constant.language.none' + S },
      { match: r`(?i:\bCMD\b)`, name: 'keyword.other.instruction' + S },
      { include: '#json-array' }, inc('shell'),
    ]),
    ...instruction('env', 'ENV', [
      continuation, contComment, { include: '#key-value' },
      { match: r`(?<=^|\G|(?i:ENV))([ \t]+)([A-Za-z_][\w.-]*)(?=[ \t])`, captures: { 2: { name: 'variable.other.definition.env' + S } } },
      inc('value'),
    ]),
    ...instruction('arg', 'ARG', [
      continuation, contComment, { include: '#key-value' },
      { match: r`[A-Za-z_][\w.-]*`, name: 'variable.other.definition.arg' + S }, inc('value'),
    ]),
    ...instruction('label', 'LABEL', [
      continuation, contComment,
      { match: r`(?:("[^"\n]*")|([^\s="'${C}]+))(=)`, captures: {
        1: { name: 'entity.other.attribute-name.label' + S }, 2: { name: 'entity.other.attribute-name.label' + S },
        3: { name: 'keyword.operator.assignment' + S } } },
      inc('value'),
    ]),
    ...instruction('expose', 'EXPOSE', [
      continuation, contComment, inc('variable'),
      { match: r`\b(\d+(?:-\d+)?)(?:(/)(\w+))?`, captures: {
        1: { name: 'constant.numeric.port' + S }, 2: { name: 'punctuation.separator.protocol' + S }, 3: { name: 'constant.language.protocol' + S } } },
    ]),
    ...instruction('other', 'WORKDIR|USER|VOLUME|STOPSIGNAL|MAINTAINER', [
      continuation, contComment, { include: '#json-array' }, inc('value'),
    ]),
    ['interpreter' + sfx]: { patterns: INTERPRETERS.map(([language, command]) => ({
      comment: `${command} <<EOF: the heredoc is a ${language} script`,
      begin: r`(?=(?<![\w./-])(?:/[\w./-]*/)?${command}(?![\w.-])[^\n]*?<<-?(["']?)[A-Za-z_][\w.-]*\1)`,
      end: r`(?=\n)`,
      patterns: [{ include: `#heredoc-${language}` }, inc('shell')],
    })) },
    ['value' + sfx]: { patterns: [inc('string-double'), inc('string-single'), inc('variable'),
      { match: r`${E}.`, name: 'constant.character.escape' + S }] },
    ['shell' + sfx]: { patterns: [
      inc('string-double'), inc('string-single'), inc('variable'),
      { match: r`&&|\|\||;|\|(?!\|)`, name: 'keyword.operator.shell' + S },
      { match: r`${E}.`, name: 'constant.character.escape' + S },
    ] },
    ...copyMulti.repo,
    ['heredoc-file' + sfx]: {
      comment: 'COPY/ADD heredocs are file contents; a quoted delimiter turns variable expansion off.',
      patterns: [...copyMulti.patterns, ...[['<<-', r`^\t*(\3)(?=\s*$)`], ['<<', r`^(\3)(?=\s*$)`]].flatMap(([op, end]) => [
        [r`(["'])`, []], [r`()`, [inc('variable')]],
      ].map(([quote, body]) => ({
        begin: r`(${op})${quote}([A-Za-z_][\w.-]*)(\2)(.*)\n`, end,
        beginCaptures: { 1: { name: 'keyword.operator.heredoc' + S }, 3: { name: 'entity.name.tag.heredoc' + S }, 5: { patterns: [inc('value')] } },
        endCaptures: { 1: { name: 'entity.name.tag.heredoc' + S } },
        name: 'meta.heredoc' + S, contentName: 'string.unquoted.heredoc' + S, patterns: body,
      })))],
    },
    ['string-double' + sfx]: {
      begin: '"', beginCaptures: { 0: { name: 'punctuation.definition.string.begin' + S } },
      end: r`"|(?=\n)`, endCaptures: { 0: { name: 'punctuation.definition.string.end' + S } },
      name: 'string.quoted.double' + S,
      patterns: [continuation, { match: r`${E}.`, name: 'constant.character.escape' + S }, inc('variable')],
    },
    ['string-single' + sfx]: {
      begin: "'", beginCaptures: { 0: { name: 'punctuation.definition.string.begin' + S } },
      end: r`'|(?=\n)`, endCaptures: { 0: { name: 'punctuation.definition.string.end' + S } },
      name: 'string.quoted.single' + S, patterns: [continuation],
    },
    ['variable' + sfx]: { patterns: [
      { match: r`${E}\$`, name: 'constant.character.escape' + S },
      { begin: r`(\$\{)([A-Za-z_]\w*)`, end: r`\}|(?=\n)`,
        beginCaptures: { 1: { name: 'punctuation.definition.variable.begin' + S }, 2: { name: 'variable.other' + S } },
        endCaptures: { 0: { name: 'punctuation.definition.variable.end' + S } },
        name: 'meta.variable.braced' + S,
        patterns: [
          { match: r`\G(?::?[-+?]|##?|%%?|//?)`, name: 'keyword.operator.variable-modifier' + S },
          inc('variable'),
          { match: r`[^}$${C}\n]+`, name: 'string.unquoted.variable-word' + S },
        ] },
      { match: r`(\$)([A-Za-z_]\w*)`, captures: { 1: { name: 'punctuation.definition.variable' + S }, 2: { name: 'variable.other' + S } } },
    ] },
  };
}

/**
 * RUN heredoc bodies are scripts: embed the language's grammar. The body is a begin/while
 * rule, so whatever the embedded grammar leaves open (an unbalanced quote) is closed at
 * the terminator line; the outer rule then takes that line as the delimiter.
 */
function embeddedHeredoc(language, scope) {
  const embedded = `meta.embedded.block.${language}`;
  const multi = multiHeredoc(`heredoc-${language}`, [['any', r`(["']?)`]],
    () => ({ contentName: embedded, patterns: [{ include: scope }] }),
    { name: embedded, patterns: [laterHeredoc, { include: scope }] });
  const single = [['<<-', r`\t*`], ['<<', '']].map(([op, indent]) => ({
    begin: r`(?=${op}(["']?)[A-Za-z_][\w.-]*\1)`,
    end: r`^${indent}([A-Za-z_][\w.-]*)(?=\s*$)`,
    endCaptures: { 1: { name: 'entity.name.tag.heredoc' + S } },
    name: 'meta.heredoc' + S,
    patterns: [{
      begin: r`(${op})(["']?)([A-Za-z_][\w.-]*)(\2)`,
      while: r`^(?!${indent}\3\s*$)`,
      beginCaptures: { 1: { name: 'keyword.operator.heredoc' + S }, 3: { name: 'entity.name.tag.heredoc' + S } },
      contentName: embedded, patterns: [{ include: scope }],
    }],
  }));
  return { ...multi.repo, [`heredoc-${language}`]: { patterns: [...multi.patterns, ...single] } };
}

/** Interpreters whose heredoc script is highlighted in their language (`RUN python3 <<EOF`). */
const INTERPRETERS = [['python', r`python[\d.]*`], ['javascript', r`node(?:js)?`]];

const directiveLine = {
  match: r`^\s*(#)\s*((?i:syntax|escape|check))\s*(=)\s*(.*?)\s*$`,
  name: 'meta.directive' + S,
  captures: {
    1: { name: 'punctuation.definition.comment' + S },
    2: { name: 'keyword.other.directive' + S },
    3: { name: 'keyword.operator.assignment' + S },
    4: { name: 'string.unquoted.directive-value' + S, patterns: [
      { match: r`([\w-]+)(=)`, captures: { 1: { name: 'entity.other.attribute-name' + S }, 2: { name: 'keyword.operator.assignment' + S } } },
      { match: ';|,', name: 'punctuation.separator' + S },
    ] },
  },
};

const comment = { match: r`^\s*(#).*$`, name: 'comment.line.number-sign' + S, captures: { 1: { name: 'punctuation.definition.comment' + S } } };

const grammar = {
  $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
  name: 'Dockerfile',
  scopeName: 'source.dockerfile',
  comment: 'Generated by dockerfile.tmLanguage.mjs; edit that file.',
  fileTypes: ['Dockerfile', 'Containerfile', 'dockerfile'],
  patterns: [{ include: '#directives' }, { include: '#comment' }, { include: '#instructions' }],
  repository: {
    directives: {
      comment: 'Parser directives are directives only in the leading run of directive-shaped comment lines.',
      begin: r`\A(?=\s*#\s*(?i:syntax|escape|check)\s*=)`,
      end: r`^(?!\s*#\s*(?i:syntax|escape|check)\s*=)`,
      patterns: [{ include: '#escape-backtick' }, directiveLine],
    },
    'escape-backtick': {
      comment: 'After `# escape=`` ` the rest of the file uses the -bt rules; this rule never ends.',
      begin: r`^\s*(#)\s*((?i:escape))\s*(=)\s*(\x60)\s*$`,
      beginCaptures: {
        0: { name: 'meta.directive' + S }, 1: { name: 'punctuation.definition.comment' + S },
        2: { name: 'keyword.other.directive' + S }, 3: { name: 'keyword.operator.assignment' + S },
        4: { name: 'string.unquoted.directive-value' + S },
      },
      end: r`(?!)`,
      patterns: [directiveLine, { include: '#comment' }, { include: '#instructions-bt' }],
    },
    comment,
    ...rules(r`\\`, r`\\`, ''),
    ...rules('`', '`', '-bt'),
    'key-value': {
      match: r`([A-Za-z_][\w.-]*)(=)`,
      captures: { 1: { name: 'variable.other.definition' + S }, 2: { name: 'keyword.operator.assignment' + S } },
    },
    'json-array': {
      begin: r`(\[)(?=[ \t]*(?:"|\]))`, end: r`(\])|(?=\n)`,
      beginCaptures: { 1: { name: 'punctuation.definition.array.begin' + S } },
      endCaptures: { 1: { name: 'punctuation.definition.array.end' + S } },
      name: 'meta.structure.array.json' + S,
      patterns: [
        { begin: '"', end: r`"|(?=\n)`, name: 'string.quoted.double.json' + S,
          beginCaptures: { 0: { name: 'punctuation.definition.string.begin' + S } },
          endCaptures: { 0: { name: 'punctuation.definition.string.end' + S } },
          patterns: [{ match: r`\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})`, name: 'constant.character.escape' + S }, { include: '#variable' }] },
        { match: ',', name: 'punctuation.separator.array' + S },
        { match: r`[\\\x60][ \t]*\n`, name: 'constant.character.escape.line-continuation' + S },
      ],
    },
    ...embeddedHeredoc('shell', 'source.shell'),
    ...embeddedHeredoc('python', 'source.python'),
    ...embeddedHeredoc('javascript', 'source.js'),
  },
};

process.stdout.write(JSON.stringify(grammar, null, 2) + '\n');
