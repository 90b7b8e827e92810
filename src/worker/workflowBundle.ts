// What goes into the workflow bundle, for the worker that bundles at start and
// for `npm run build:workflows` alike. With tracing on, the bundle also carries
// Temporal's OpenTelemetry workflow interceptors; without it, it does not, so
// an untraced worker runs no span code in its workflows and writes no trace
// headers into histories. A prebuilt bundle therefore comes in two files:
// `<name>.js` and `<name>.traced.js` beside it; the worker picks by its tracing.
import fs from 'node:fs';
import path from 'node:path';
import { WORKFLOW_TRACING_MODULE } from '../tracing/temporalTracing';

/** The workflows folder (webpack picks its index.ts, or index.js when compiled). */
export const WORKFLOWS_PATH = path.resolve(__dirname, '../workflows');

/**
 * Modules evaluated once per reusable V8 context and shared by every run (the SDK's
 * `preloadModules`), instead of evaluated again for each run: the workflows themselves and
 * all they import (contracts, errors, search attribute keys). Safe because syncline's
 * workflow code keeps no state at module scope: constants, signal/query/update definitions
 * and activity proxies only (the SDK deep-freezes shared modules, so a module that tried to
 * keep state there would fail loudly, not leak between runs). Profiled under bench:compare
 * (issue 17), evaluating them again took about a tenth of the workflow thread per event.
 */
export const WORKFLOW_PRELOAD_MODULES = [WORKFLOWS_PATH];

/** What the bundler needs, for a worker that bundles at start and for a prebuilt bundle alike. */
export function workflowBundleOptions(traced: boolean) {
  return {
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: workflowInterceptorModules(traced),
    preloadModules: WORKFLOW_PRELOAD_MODULES,
  };
}

export function workflowInterceptorModules(traced: boolean): string[] {
  return traced ? [WORKFLOW_TRACING_MODULE] : [];
}

/** The traced sibling of a prebuilt bundle: dist/workflow-bundle.js -> dist/workflow-bundle.traced.js. */
export function tracedBundlePath(bundlePath: string): string {
  return `${bundlePath.replace(/\.js$/, '')}.traced.js`;
}

/** The prebuilt bundle this worker loads; a traced worker refuses a bundle without the tracing interceptors. */
export function bundleToLoad(bundlePath: string, traced: boolean): string {
  if (!traced) return bundlePath;
  const p = tracedBundlePath(bundlePath);
  if (!fs.existsSync(p))
    throw new Error(`tracing is on but ${p} is missing: npm run build:workflows writes it beside ${bundlePath}`);
  return p;
}
