// Writes the prebuilt workflow bundle the worker loads with WORKFLOW_BUNDLE_PATH
// (the container image does this at build time, so a worker starts without webpack).
// Usage: npm run build:workflows [-- <output file>]   default dist/workflow-bundle.js
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

const ROOT = path.resolve(__dirname, '..');

async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'dist/workflow-bundle.js'));
  const { code } = await bundleWorkflowCode({ workflowsPath: path.join(ROOT, 'src/workflows/index.ts') });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, code);
  process.stdout.write(`workflow bundle written to ${out} (${code.length} bytes)\n`);
}

main().catch((err: unknown) => {
  console.error('build:workflows failed:', err);
  process.exit(1);
});
