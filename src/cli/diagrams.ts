// `fadump-model diagrams [--out DIR]`: the statecharts, regenerated.
import { join } from 'node:path';
import { generateDiagrams } from '../diagrams/generate';

/** `fadump-model diagrams [--out diagrams/]`: exit code 0, a line per file on out. */
export async function diagramsCommand(
  outDir: string,
  out: (text: string) => void = (t) => process.stdout.write(`${t}\n`),
): Promise<number> {
  const r = await generateDiagrams(outDir);
  for (const f of r.files) out(`${join(r.outDir, f.name)} (${f.bytes} bytes)`);
  out(`${r.files.length} files in ${r.ms} ms`);
  return 0;
}
