// Writes the prebuilt workflow bundles the worker loads with WORKFLOW_BUNDLE_PATH
// (the container image does this at build time, so a worker starts without webpack):
// the plain bundle, and its `.traced.js` sibling carrying the OpenTelemetry workflow
// interceptors, which a worker with tracing on loads instead (src/worker/workflowBundle.ts).
// Usage: npm run build:workflows [-- <output file>]   default dist/workflow-bundle.js
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { tracedBundlePath, workflowBundleOptions } from '../src/worker/workflowBundle';

const ROOT = path.resolve(__dirname, '..');

async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'dist/workflow-bundle.js'));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  for (const traced of [false, true]) {
    const file = traced ? tracedBundlePath(out) : out;
    const { code } = await bundleWorkflowCode(workflowBundleOptions(traced));
    fs.writeFileSync(file, code);
    process.stdout.write(`workflow bundle written to ${file} (${code.length} bytes)\n`);
  }
}

main().catch((err: unknown) => {
  console.error('build:workflows failed:', err);
  process.exit(1);
});
