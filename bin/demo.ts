// `pnpm demo`: the main job on the embedded lab, end to end: lab up, the full catalogue against
// `--env lab`, the QA gate, the HTML report; then it says where everything is. The exit code is
// the gate's (0 PASS/WAIVED, 1 FAIL, 2 CONCERNS), or the failing step's when an earlier step broke.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/config/index.js';
import { newRunId } from '../helpers/run/ids.js';

const passThrough = process.argv.slice(2); // e.g. --allow-disruptive, --grep P0

function step(title: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  process.stdout.write(`\n=== ${title}\n$ ${[cmd, ...args].join(' ')}\n`);
  const r = spawnSync(cmd, args, { cwd: REPO_ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.error) throw r.error;
  return r.status ?? (r.signal ? 128 + 1 : 1);
}

const tsx = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const node = process.execPath;

const labCode = step('1/3 lab up (warm cache: about a minute; a cold build shows its progress)', tsx, [
  'lab/cli.ts',
  'up',
]);
if (labCode !== 0) {
  process.stderr.write(`demo: the lab did not come up (exit ${labCode}); see the messages above\n`);
  process.exit(labCode);
}

const runId = newRunId();
const runDir = path.join(REPO_ROOT, 'docs', 'qa', 'evidence', runId);
const testCode = step(
  '2/3 full catalogue against the lab (both clusters)',
  node,
  ['bin/launch.mjs', 'bin/test.ts', '--env', 'lab', ...passThrough],
  { PV_RUN_ID: runId },
);
if (!existsSync(path.join(runDir, 'run.json'))) {
  process.stderr.write(
    `demo: the run wrote no ${path.relative(REPO_ROOT, runDir)}/run.json (exit ${testCode})\n`,
  );
  process.exit(testCode || 1);
}

const gateCode = step('3/3 QA gate and report', tsx, ['reports/gate/cli.ts', '--run', runDir]);

const rel = (p: string) => path.relative(REPO_ROOT, p);
process.stdout.write(
  [
    '',
    `evidence: ${rel(runDir)}/ (junit-<cluster>.xml, run.json, attachments/)`,
    `report:   ${rel(path.join(runDir, 'report.html'))}`,
    `gates:    docs/qa/gates/platform.yml (+ one file per story)`,
    `checks exit ${testCode}; gate exit ${gateCode} (0 PASS/WAIVED, 1 FAIL, 2 CONCERNS)`,
    '',
  ].join('\n'),
);
process.exit(gateCode);
