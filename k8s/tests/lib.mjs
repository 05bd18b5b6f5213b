// Shared helpers of the k8s/ checks: where things are, reading rendered manifests, collecting every
// PromQL query of the dashboard, the alerts and the autoscaler, and the metric names they use.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { parser } from '@prometheus-io/lezer-promql';

export const TESTS = dirname(fileURLToPath(import.meta.url));
export const K8S = resolve(TESTS, '..');
export const ROOT = resolve(K8S, '..');
export const OUT = process.env.K8S_TESTS_OUT || join(ROOT, 'target', 'k8s-tests');
export const RENDERED = join(OUT, 'rendered');
export const DASHBOARD = join(K8S, 'components', 'monitoring', 'grafana', 'dwiseneuro-serve.json');
export const METRICS_USED = join(K8S, 'metrics-used.txt');

// Metrics that do not come from the service, by exact name, with where they come from. Anything else
// a query uses must be exported by the service (MetricsExportedTest checks /q/metrics).
export const EXTERNAL = new Map([
  ['kube_deployment_spec_replicas', 'kube-state-metrics'],
  ['kube_deployment_status_replicas_available', 'kube-state-metrics'],
  ['kube_deployment_status_replicas_unavailable', 'kube-state-metrics'],
  ['up', 'prometheus'],
]);

export function fail(message) {
  console.error(`FAIL ${message}`);
  process.exitCode = 1;
}

/** Every object of every rendered overlay (run.sh renders them with kubectl kustomize). */
export function renderedObjects() {
  const files = readdirSync(RENDERED).filter((f) => f.endsWith('.yaml')).sort();
  if (files.length === 0) {
    throw new Error(`no rendered overlays in ${RENDERED}: run k8s/tests/run.sh`);
  }
  const out = [];
  for (const file of files) {
    const docs = parseAllDocuments(readFileSync(join(RENDERED, file), 'utf8'));
    for (const doc of docs) {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
      const obj = doc.toJS();
      if (obj) out.push({ overlay: file.replace(/\.yaml$/, ''), obj });
    }
  }
  return out;
}

export function readDashboard() {
  return JSON.parse(readFileSync(DASHBOARD, 'utf8'));
}

/** Grafana's built-in interval variables and the dashboard's own, replaced by values PromQL accepts. */
export function grafanaToPromQL(expr, dashboard) {
  let out = expr.replace(/\$__(rate_interval|interval|range)\b|\$\{__(rate_interval|interval|range)\}/g, '5m');
  for (const v of dashboard.templating?.list ?? []) {
    const value = v.name === 'pod' ? '.*' : 'dwiseneuro';
    out = out.replaceAll('${' + v.name + '}', value).replace(new RegExp('\\$' + v.name + '\\b', 'g'), value);
  }
  if (/\$\w/.test(out)) throw new Error(`unknown Grafana variable left in: ${out}`);
  return out;
}

/** label_values(SELECTOR, label) of a query variable: the selector is PromQL, the rest is Grafana's. */
export function labelValuesSelector(query) {
  const m = /^\s*label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$/s.exec(query);
  if (!m) throw new Error(`unsupported variable query: ${query}`);
  return m[1];
}

/**
 * Every PromQL query k8s/ runs, as { source, where, expr } with Grafana variables replaced:
 * source is dashboard, alerts or autoscaler.
 */
export function collectQueries() {
  const dashboard = readDashboard();
  const queries = [];
  const panels = (dashboard.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
  for (const panel of panels) {
    for (const t of panel.targets ?? []) {
      queries.push({ source: 'dashboard', where: `panel ${panel.id} "${panel.title}" ${t.refId}`, expr: grafanaToPromQL(t.expr, dashboard) });
    }
  }
  for (const v of dashboard.templating?.list ?? []) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : v.query.query;
    queries.push({ source: 'dashboard', where: `variable ${v.name}`, expr: grafanaToPromQL(labelValuesSelector(q), dashboard) });
  }
  const seen = new Set();
  for (const { overlay, obj } of renderedObjects()) {
    if (obj.kind === 'PrometheusRule') {
      for (const g of obj.spec.groups) {
        for (const r of g.rules) {
          const key = `alerts ${r.alert ?? r.record} ${r.expr}`;
          if (seen.has(key)) continue;
          seen.add(key);
          queries.push({ source: 'alerts', where: `${overlay} ${r.alert ?? r.record}`, expr: r.expr });
        }
      }
    } else if (obj.kind === 'ScaledObject') {
      for (const t of obj.spec.triggers) {
        if (t.type !== 'prometheus') continue;
        const key = `autoscaler ${t.name} ${t.metadata.query}`;
        if (seen.has(key)) continue;
        seen.add(key);
        queries.push({ source: 'autoscaler', where: `${overlay} trigger ${t.name}`, expr: t.metadata.query });
      }
    }
  }
  return queries;
}

/** Metric names of a PromQL expression, from Prometheus's own grammar (lezer-promql). */
export function metricNames(expr) {
  const tree = parser.parse(expr);
  const names = new Set();
  let error = null;
  tree.iterate({
    enter(node) {
      if (node.type.isError && error === null) {
        error = `syntax error at ${node.from}: ${JSON.stringify(expr.slice(Math.max(0, node.from - 20), node.from + 20))}`;
      }
      if (node.name === 'VectorSelector') {
        let named = false;
        const id = node.node.getChild('Identifier');
        if (id) {
          names.add(expr.slice(id.from, id.to));
          named = true;
        }
        const matchers = node.node.getChild('LabelMatchers');
        for (const m of matchers ? matchers.getChildren('UnquotedLabelMatcher') : []) {
          const label = m.getChild('LabelName');
          if (label && expr.slice(label.from, label.to) === '__name__') {
            const op = expr.slice(m.getChild('MatchOp').from, m.getChild('MatchOp').to);
            const value = m.getChild('StringLiteral');
            if (op !== '=') error = `__name__${op}: metric names must be literal`;
            else {
              names.add(JSON.parse(expr.slice(value.from, value.to)));
              named = true;
            }
          }
        }
        if (matchers && matchers.getChildren('QuotedLabelMatcher').length) error = 'quoted metric names are not supported';
        if (!named) error = 'a selector without a metric name';
      }
    },
  });
  if (error) throw new Error(error);
  return names;
}

export function sourceOf(name) {
  return EXTERNAL.get(name) ?? 'service';
}
