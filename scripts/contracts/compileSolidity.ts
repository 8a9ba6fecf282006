import { createRequire } from 'node:module';

/**
 * Compiles Solidity sources in-process with solc-js (no compiler download: the machine reaches
 * only the npm registry). Used by scripts/build-contracts.ts and by tests that check the
 * committed artifacts are what the sources compile to.
 */
export interface CompiledContract {
  readonly name: string;
  readonly sourcePath: string;
  readonly abi: readonly unknown[];
  readonly bytecode: `0x${string}`;
}

export class SolidityCompileError extends Error {
  readonly code = 'Chain.CompileFailed';
  constructor(readonly errors: readonly string[]) {
    super(`Solidity compilation failed:\n${errors.join('\n')}`);
    this.name = 'SolidityCompileError';
  }
}

interface SolcOutput {
  errors?: { severity: 'error' | 'warning' | 'info'; formattedMessage: string }[];
  contracts?: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
}

/** sources: path → text. Imports resolve against the same map. Abstract contracts and interfaces are skipped. */
export function compileSolidity(sources: Record<string, string>, options: { optimizerRuns?: number } = {}): CompiledContract[] {
  const require = createRequire(import.meta.url);
  const solc = require('solc') as { compile(input: string, callbacks?: unknown): string };
  const input = {
    language: 'Solidity',
    sources: Object.fromEntries(Object.entries(sources).map(([path, content]) => [path, { content }])),
    settings: {
      // paris: no PUSH0/transient storage, so the bytecode also runs on older rollup EVMs
      evmVersion: 'paris',
      optimizer: { enabled: true, runs: options.optimizerRuns ?? 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), {
    import: (path: string) => (path in sources ? { contents: sources[path] } : { error: `not found: ${path}` }),
  })) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error').map((e) => e.formattedMessage);
  if (errors.length > 0) throw new SolidityCompileError(errors);
  const compiled: CompiledContract[] = [];
  for (const [sourcePath, contracts] of Object.entries(output.contracts ?? {})) {
    for (const [name, c] of Object.entries(contracts)) {
      if (c.evm.bytecode.object.length === 0) continue;
      compiled.push({ name, sourcePath, abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` });
    }
  }
  return compiled;
}
