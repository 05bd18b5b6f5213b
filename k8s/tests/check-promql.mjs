// Writes the PromQL of k8s/ into rule files for promtool (run.sh then runs promtool check rules and
// promtool test rules on them):
//   OUT/alerts.rules.yaml   the groups of the rendered PrometheusRule (identical in every overlay)
//   OUT/queries.rules.yaml  every dashboard and autoscaler query as a recording rule
// and checks that every query parses with Prometheus's grammar and names its metrics literally.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { OUT, TESTS, collectQueries, fail, metricNames, renderedObjects } from './lib.mjs';

mkdirSync(OUT, { recursive: true });

const rules = renderedObjects().filter(({ obj }) => obj.kind === 'PrometheusRule');
if (rules.length === 0) fail('no PrometheusRule in any rendered overlay');
const first = JSON.stringify(rules[0].obj.spec);
for (const r of rules) {
  if (JSON.stringify(r.obj.spec) !== first) fail(`PrometheusRule of ${r.overlay} differs from ${rules[0].overlay}`);
}
writeFileSync(join(OUT, 'alerts.rules.yaml'), stringify(rules[0].obj.spec));

// Every alert must be fired by at least one promtool unit test (with a non-empty exp_alerts).
const unit = parse(readFileSync(join(TESTS, 'alerts.test.yaml'), 'utf8'));
const fired = new Set(unit.tests.flatMap((t) => t.alert_rule_test ?? []).filter((a) => (a.exp_alerts ?? []).length > 0).map((a) => a.alertname));
const alerts = rules[0].obj.spec.groups.flatMap((g) => g.rules).filter((r) => r.alert).map((r) => r.alert);
for (const a of alerts) {
  if (!fired.has(a)) fail(`alert ${a} is not fired by any test in alerts.test.yaml`);
}
for (const a of fired) {
  if (!alerts.includes(a)) fail(`alerts.test.yaml fires ${a}, which is not in the PrometheusRule`);
}

const queries = collectQueries();
const recording = [];
let n = 0;
for (const q of queries) {
  try {
    metricNames(q.expr);
  } catch (e) {
    fail(`${q.source} ${q.where}: ${e.message}\n  ${q.expr}`);
  }
  if (q.source !== 'alerts') {
    recording.push({ record: `dwiseneuro_check:${q.source}:${++n}`, expr: q.expr });
  }
}
writeFileSync(join(OUT, 'queries.rules.yaml'), stringify({ groups: [{ name: 'dashboard-and-autoscaler-queries', rules: recording }] }));
const count = (s) => queries.filter((q) => q.source === s).length;
console.log(`promql: ${count('dashboard')} dashboard, ${count('alerts')} alert and ${count('autoscaler')} autoscaler queries parsed; rule files in ${OUT}`);
