// The floor of `pnpm bench startup`: one plain Node process that loads the kubeconfig and makes the
// run's API requests (clusters in parallel, each cluster's in order), then exits. argv[2]: a JSON
// file {kubeconfig, clusters: [{context, uris}]} written by bench/startup.ts.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { clientFor } from './startup-replay.mjs';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
let bad = 0;
await Promise.all(
  plan.clusters.map(async ({ context, uris }) => {
    const c = await clientFor(plan.kubeconfig, context);
    for (const u of uris) if ((await c.get(u)) >= 400) bad++;
    c.close();
  }),
);
process.stdout.write(
  `floor: ${plan.clusters.reduce((n, c) => n + c.uris.length, 0)} requests, ${bad} failed\n`,
);
process.exit(bad ? 1 : 0);
