/** The rule registry. Adding a rule = one file + one line here. */
import type { Rule } from './rule';
import { ConsistentInstructionCasing } from './buildkit/ConsistentInstructionCasing';
import { CopyIgnoredFile } from './buildkit/CopyIgnoredFile';
import { DuplicateStageName } from './buildkit/DuplicateStageName';
import { ExposeInvalidFormat } from './buildkit/ExposeInvalidFormat';
import { ExposeProtoCasing } from './buildkit/ExposeProtoCasing';
import { FromAsCasing } from './buildkit/FromAsCasing';
import { FromPlatformFlagConstDisallowed } from './buildkit/FromPlatformFlagConstDisallowed';
import { InvalidBaseImagePlatform } from './buildkit/InvalidBaseImagePlatform';
import { InvalidDefaultArgInFrom } from './buildkit/InvalidDefaultArgInFrom';
import { InvalidDefinitionDescription } from './buildkit/InvalidDefinitionDescription';
import { JSONArgsRecommended } from './buildkit/JSONArgsRecommended';
import { LegacyKeyValueFormat } from './buildkit/LegacyKeyValueFormat';
import { MaintainerDeprecated } from './buildkit/MaintainerDeprecated';
import { MultipleInstructionsDisallowed } from './buildkit/MultipleInstructionsDisallowed';
import { NoEmptyContinuation } from './buildkit/NoEmptyContinuation';
import { RedundantTargetPlatform } from './buildkit/RedundantTargetPlatform';
import { ReservedStageName } from './buildkit/ReservedStageName';
import { SecretsUsedInArgOrEnv } from './buildkit/SecretsUsedInArgOrEnv';
import { StageNameCasing } from './buildkit/StageNameCasing';
import { UndefinedArgInFrom } from './buildkit/UndefinedArgInFrom';
import { UndefinedVar } from './buildkit/UndefinedVar';
import { WorkdirRelativePath } from './buildkit/WorkdirRelativePath';
import { AbsoluteWorkdir } from './best-practice/AbsoluteWorkdir';
import { ApkNoCache } from './best-practice/ApkNoCache';
import { AptCleanLists } from './best-practice/AptCleanLists';
import { AptGetYes } from './best-practice/AptGetYes';
import { AptNoInstallRecommends } from './best-practice/AptNoInstallRecommends';
import { CopyFromUnknownStage } from './best-practice/CopyFromUnknownStage';
import { CopyOverAdd } from './best-practice/CopyOverAdd';
import { LastUserRoot } from './best-practice/LastUserRoot';
import { NoCdInRun } from './best-practice/NoCdInRun';
import { NoLatestTag } from './best-practice/NoLatestTag';
import { NoSudo } from './best-practice/NoSudo';
import { PinBaseImageTag } from './best-practice/PinBaseImageTag';
import { PipefailBeforePipe } from './best-practice/PipefailBeforePipe';
import { PipNoCacheDir } from './best-practice/PipNoCacheDir';
import { InstructionArguments } from './syntax/InstructionArguments';
import { InstructionBeforeFrom } from './syntax/InstructionBeforeFrom';
import { InvalidFlag } from './syntax/InvalidFlag';
import { UnknownInstruction } from './syntax/UnknownInstruction';

const BUILDKIT_RULES: Rule[] = [
  StageNameCasing, FromAsCasing, NoEmptyContinuation, ConsistentInstructionCasing, DuplicateStageName,
  ReservedStageName, JSONArgsRecommended, MaintainerDeprecated, UndefinedArgInFrom, WorkdirRelativePath,
  UndefinedVar, MultipleInstructionsDisallowed, LegacyKeyValueFormat, InvalidBaseImagePlatform,
  RedundantTargetPlatform, SecretsUsedInArgOrEnv, InvalidDefaultArgInFrom, FromPlatformFlagConstDisallowed,
  CopyIgnoredFile, InvalidDefinitionDescription, ExposeProtoCasing, ExposeInvalidFormat,
];

const BEST_PRACTICE_RULES: Rule[] = [
  AbsoluteWorkdir, NoCdInRun, NoSudo, PinBaseImageTag, NoLatestTag, AptGetYes, AptNoInstallRecommends,
  AptCleanLists, CopyOverAdd, CopyFromUnknownStage, PipefailBeforePipe, LastUserRoot, ApkNoCache, PipNoCacheDir,
];

const SYNTAX_RULES: Rule[] = [UnknownInstruction, InstructionBeforeFrom, InstructionArguments, InvalidFlag];

export const ALL_RULES: Rule[] = [...SYNTAX_RULES, ...BUILDKIT_RULES, ...BEST_PRACTICE_RULES];
