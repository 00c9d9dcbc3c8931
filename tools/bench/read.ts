import type { Config } from '../../src/config/schema/index.js';
import type { ParamsSchema, ReadOperation, ReadResult } from '../../src/app/operation.js';
import { parseParams } from '../../src/app/wire.js';
import type { ReportContext } from '../../src/reports/context.js';

/**
 * A read of the operation catalogue with its default parameters, what `truenorth <name>` runs without
 * flags; `given` adds the ones a read cannot do without (as text, the way the command line gives them).
 */
export function runRead<O extends ReadOperation<ParamsSchema, unknown>>(op: O, ctx: ReportContext, config: Config, given: Record<string, string> = {}): Promise<ReadResult<O>> {
  return op.run({ ...ctx, config }, parseParams(op.params, given, 'cli')) as Promise<ReadResult<O>>;
}
