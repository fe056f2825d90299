/** Reference data: instructions, their flags, mount keys, docs and snippets. */

export interface FlagSpec {
  name: string;
  doc: string;
  /** allowed values, if an enumeration */
  values?: string[];
  kind: 'string' | 'bool' | 'duration' | 'int' | 'mount' | 'chmod' | 'checksum' | 'platform';
  /** labs / newer syntax */
  note?: string;
}

export interface InstructionSpec {
  name: string;
  doc: string;
  syntax: string[];
  snippet: string;
  flags: FlagSpec[];
  heredoc?: boolean;
}

const chown: FlagSpec = { name: 'chown', kind: 'string', doc: 'Set the user and group (`user:group`, names or IDs) of the copied files.' };
const chmod: FlagSpec = { name: 'chmod', kind: 'chmod', doc: 'Set the permission bits of the copied files (octal like `0755`, or symbolic like `u+x`).' };
const link: FlagSpec = { name: 'link', kind: 'bool', doc: 'Copy into an independent layer that does not depend on the files below it, so it can be reused when the base changes.' };
const exclude: FlagSpec = { name: 'exclude', kind: 'string', doc: 'Exclude files matching the given path pattern (can be repeated).' };

export const DURATION_RE = /^(?:0|(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+)$/;

export const INSTRUCTIONS: InstructionSpec[] = [
  { name: 'ADD', doc: 'Copies new files, directories, remote URLs or Git repositories from `<src>` and adds them to the filesystem of the image at `<dest>`. Local tar archives are extracted.', syntax: ['ADD [--chown=<user>:<group>] [--chmod=<perms>] [--checksum=<checksum>] <src>... <dest>', 'ADD ["<src>",... "<dest>"]'], snippet: 'ADD ${1:source} ${2:dest}', heredoc: true,
    flags: [chown, chmod, link, exclude,
      { name: 'checksum', kind: 'checksum', doc: 'Verify the checksum of a remote resource, e.g. `sha256:…`.' },
      { name: 'keep-git-dir', kind: 'bool', doc: 'Keep the `.git` directory when adding a Git repository.' },
      { name: 'unpack', kind: 'bool', doc: 'Control whether archives are extracted (default: local archives yes, URLs no).' }] },
  { name: 'ARG', doc: 'Defines a variable that users can pass at build time with `--build-arg <name>=<value>`.', syntax: ['ARG <name>[=<default value>] [<name>[=<default value>]...]'], snippet: 'ARG ${1:name}', flags: [] },
  { name: 'CMD', doc: 'Provides the default command (or default arguments for ENTRYPOINT) of an executing container. Only the last CMD of a stage takes effect.', syntax: ['CMD ["executable","param1","param2"]', 'CMD ["param1","param2"]', 'CMD command param1 param2'], snippet: 'CMD [ "${1:executable}" ]', flags: [] },
  { name: 'COPY', doc: 'Copies new files or directories from `<src>` (build context, a stage, an image or a named context) into the image at `<dest>`.', syntax: ['COPY [--from=<stage|image>] [--chown=<user>:<group>] [--chmod=<perms>] [--link] [--parents] [--exclude=<path>] <src>... <dest>', 'COPY ["<src>",... "<dest>"]'], snippet: 'COPY ${1:source} ${2:dest}', heredoc: true,
    flags: [{ name: 'from', kind: 'string', doc: 'Copy from a previous build stage, an image, or a named build context instead of the build context.' }, chown, chmod, link,
      { name: 'parents', kind: 'bool', doc: 'Preserve the parent directories of the source paths (use `/./` to mark where the kept part starts).' }, exclude] },
  { name: 'ENTRYPOINT', doc: 'Configures the container to run as an executable.', syntax: ['ENTRYPOINT ["executable", "param1", "param2"]', 'ENTRYPOINT command param1 param2'], snippet: 'ENTRYPOINT [ "${1:executable}" ]', flags: [] },
  { name: 'ENV', doc: 'Sets the environment variable `<key>` to `<value>`, for the rest of the stage and in containers run from the image.', syntax: ['ENV <key>=<value> [<key>=<value>...]'], snippet: 'ENV ${1:key}=${2:value}', flags: [] },
  { name: 'EXPOSE', doc: 'Documents the network ports the container listens on at runtime (`<port>[/<protocol>]`, protocol `tcp` or `udp`). It does not publish them.', syntax: ['EXPOSE <port>[/<protocol>] [<port>[/<protocol>]...]'], snippet: 'EXPOSE ${1:port}', flags: [] },
  { name: 'FROM', doc: 'Initializes a new build stage and sets the base image. `AS <name>` names the stage so later stages can refer to it.', syntax: ['FROM [--platform=<platform>] <image>[:<tag>|@<digest>] [AS <name>]'], snippet: 'FROM ${1:image}:${2:tag}', flags: [{ name: 'platform', kind: 'platform', doc: 'Platform of the base image, e.g. `linux/amd64` or `$BUILDPLATFORM`.' }] },
  { name: 'HEALTHCHECK', doc: 'Tells the engine how to test a container to check that it is still working. `HEALTHCHECK NONE` disables a check inherited from the base image.', syntax: ['HEALTHCHECK [OPTIONS] CMD command', 'HEALTHCHECK NONE'], snippet: 'HEALTHCHECK --interval=${1:30s} --timeout=${2:30s} --start-period=${3:5s} --retries=${4:3} CMD ${5:command}',
    flags: [
      { name: 'interval', kind: 'duration', doc: 'Time between checks (default `30s`).' },
      { name: 'timeout', kind: 'duration', doc: 'Time after which a check is considered failed (default `30s`).' },
      { name: 'start-period', kind: 'duration', doc: 'Initialization time during which failures do not count (default `0s`).' },
      { name: 'start-interval', kind: 'duration', doc: 'Time between checks during the start period (default `5s`).' },
      { name: 'retries', kind: 'int', doc: 'Consecutive failures needed to report unhealthy (default `3`).' }] },
  { name: 'LABEL', doc: 'Adds metadata to an image as key-value pairs.', syntax: ['LABEL <key>=<value> [<key>=<value>...]'], snippet: 'LABEL ${1:key}="${2:value}"', flags: [] },
  { name: 'MAINTAINER', doc: '**Deprecated.** Sets the author field of the image. Use `LABEL org.opencontainers.image.authors=…` instead.', syntax: ['MAINTAINER <name>'], snippet: 'MAINTAINER ${1:name}', flags: [] },
  { name: 'ONBUILD', doc: 'Adds a trigger instruction executed later, when the image is used as the base of another build.', syntax: ['ONBUILD <INSTRUCTION>'], snippet: 'ONBUILD ${1:INSTRUCTION}', flags: [] },
  { name: 'RUN', doc: 'Executes a command in a new layer on top of the current image and commits the result.', syntax: ['RUN [--mount=<mount>] [--network=<type>] [--security=<type>] <command>', 'RUN ["executable", "param1", "param2"]', 'RUN <<EOF … EOF'], snippet: 'RUN ${1:command}', heredoc: true,
    flags: [
      { name: 'mount', kind: 'mount', doc: 'Create a filesystem mount for the command: `type=bind|cache|tmpfs|secret|ssh` plus options, e.g. `--mount=type=cache,target=/root/.cache`.' },
      { name: 'network', kind: 'string', values: ['default', 'none', 'host'], doc: 'Networking for the command: `default`, `none` (no network) or `host` (needs the `network.host` entitlement).' },
      { name: 'security', kind: 'string', values: ['sandbox', 'insecure'], doc: 'Security mode: `sandbox` (default) or `insecure` (privileged; needs the `security.insecure` entitlement).' },
      { name: 'device', kind: 'string', doc: 'Expose a CDI device to the command (labs syntax).' }] },
  { name: 'SHELL', doc: 'Overrides the default shell used for the shell form of commands (`["/bin/sh", "-c"]` on Linux). Must be in JSON form.', syntax: ['SHELL ["executable", "parameters"]'], snippet: 'SHELL [ "${1:/bin/bash}", "${2:-c}" ]', flags: [] },
  { name: 'STOPSIGNAL', doc: 'Sets the system call signal sent to the container to exit, e.g. `SIGTERM` or `9`.', syntax: ['STOPSIGNAL signal'], snippet: 'STOPSIGNAL ${1:SIGTERM}', flags: [] },
  { name: 'USER', doc: 'Sets the user (and optionally group) for the rest of the stage and as the default for containers.', syntax: ['USER <user>[:<group>]', 'USER <UID>[:<GID>]'], snippet: 'USER ${1:user}', flags: [] },
  { name: 'VOLUME', doc: 'Creates a mount point and marks it as holding externally mounted volumes.', syntax: ['VOLUME ["/data"]', 'VOLUME /var/log /var/db'], snippet: 'VOLUME ${1:/data}', flags: [] },
  { name: 'WORKDIR', doc: 'Sets the working directory for the instructions that follow and for containers. It is created if it does not exist.', syntax: ['WORKDIR /path/to/workdir'], snippet: 'WORKDIR ${1:/path}', flags: [] },
];

export const INSTRUCTION_MAP = new Map(INSTRUCTIONS.map((i) => [i.name, i]));

export interface MountKeySpec {
  name: string;
  doc: string;
  values?: string[];
  /** mount types the key applies to */
  types: string[];
}

export const MOUNT_TYPES = ['bind', 'cache', 'tmpfs', 'secret', 'ssh'];
export const MOUNT_KEYS: MountKeySpec[] = [
  { name: 'type', doc: 'Mount type: `bind` (default), `cache`, `tmpfs`, `secret` or `ssh`.', values: MOUNT_TYPES, types: MOUNT_TYPES },
  { name: 'target', doc: 'Mount path inside the build container.', types: MOUNT_TYPES },
  { name: 'dst', doc: 'Alias of `target`.', types: MOUNT_TYPES },
  { name: 'destination', doc: 'Alias of `target`.', types: MOUNT_TYPES },
  { name: 'source', doc: 'Source path in `from` (default: its root).', types: ['bind', 'cache'] },
  { name: 'src', doc: 'Alias of `source`.', types: ['bind', 'cache'] },
  { name: 'from', doc: 'Stage, image or named context for the source (default: the build context; for cache, an empty directory).', types: ['bind', 'cache'] },
  { name: 'readonly', doc: 'Mount read-only.', values: ['true', 'false'], types: ['bind', 'cache'] },
  { name: 'ro', doc: 'Alias of `readonly`.', values: ['true', 'false'], types: ['bind', 'cache'] },
  { name: 'readwrite', doc: 'Allow writes (discarded after the command) for bind mounts.', values: ['true', 'false'], types: ['bind'] },
  { name: 'rw', doc: 'Alias of `readwrite`.', values: ['true', 'false'], types: ['bind'] },
  { name: 'id', doc: 'ID of the cache, secret or SSH agent socket.', types: ['cache', 'secret', 'ssh'] },
  { name: 'sharing', doc: 'Cache sharing mode: `shared` (default), `private` or `locked`.', values: ['shared', 'private', 'locked'], types: ['cache'] },
  { name: 'mode', doc: 'File mode of the cache directory, secret file or socket (octal).', types: ['cache', 'secret', 'ssh'] },
  { name: 'uid', doc: 'User ID of the mount.', types: ['cache', 'secret', 'ssh'] },
  { name: 'gid', doc: 'Group ID of the mount.', types: ['cache', 'secret', 'ssh'] },
  { name: 'size', doc: 'Size limit of the tmpfs (e.g. `64m`).', types: ['tmpfs'] },
  { name: 'required', doc: 'Fail the build if the secret or SSH key is unavailable.', values: ['true', 'false'], types: ['secret', 'ssh'] },
  { name: 'env', doc: 'Expose the secret as this environment variable instead of a file.', types: ['secret'] },
];
export const MOUNT_KEY_MAP = new Map(MOUNT_KEYS.map((k) => [k.name, k]));

export const DIRECTIVES = [
  { name: 'syntax', doc: 'Selects the Dockerfile frontend image, e.g. `docker/dockerfile:1`.', snippet: 'syntax=${1:docker/dockerfile:1}' },
  { name: 'escape', doc: 'Sets the escape character: `\\` (default) or `` ` `` (handy on Windows).', snippet: 'escape=${1:`}' },
  { name: 'check', doc: 'Configures build checks: `skip=<Rule>,…|all`, `error=true`, `experimental=<Rule>,…|all`.', snippet: 'check=${1:skip=}' },
];
