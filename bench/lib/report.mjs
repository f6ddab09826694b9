// Turns measurements into result rows (one per measurement and target, the
// shape of bench/results/latest.json) and prints them as a table.

/**
 * What a worker reports for one measured thing.
 * @typedef {object} Measurement
 * @property {string} name
 * @property {number} ops        successful operations (or events, see unit)
 * @property {number} seconds
 * @property {number | null} p50_ms
 * @property {number | null} p99_ms
 * @property {string} [unit]     what `ops` counts (default "ops")
 * @property {Record<string, unknown>} [details]  context: error counts, setup times, settings
 * @property {number} [ops_per_s]  when the tool measured it more precisely than ops / seconds
 */

/**
 * A line of latest.json.
 * @typedef {object} Row
 * @property {string} name
 * @property {number | null} ops
 * @property {number | null} seconds
 * @property {number | null} ops_per_s
 * @property {number | null} p50_ms
 * @property {number | null} p99_ms
 * @property {string | null} baseline
 * @property {number | null} baseline_ops_per_s
 * @property {number | null} ratio
 * @property {string | null} target
 * @property {boolean | null} pass   null when there is no target, or its baseline failed
 * @property {string} unit
 * @property {Record<string, unknown>} [details]
 * @property {string} [error]
 */

const round = (value, digits) =>
  value === null || value === undefined ? null : Math.round(value * 10 ** digits) / 10 ** digits;

function opsPerSecond(m) {
  return m.ops_per_s ?? (m.seconds > 0 ? m.ops / m.seconds : null);
}

/** "≥ 2.0 × emmett; p99 ≤ 50 ms" */
export function describeTarget(target, unit = 'ops') {
  const parts = [];
  if (target.minRatio !== undefined) parts.push(`≥ ${target.minRatio.toFixed(1)} × ${target.baseline}`);
  if (target.minOpsPerS !== undefined) parts.push(`≥ ${target.minOpsPerS} ${unit}/s`);
  if (target.maxP50Ms !== undefined) parts.push(`p50 ≤ ${target.maxP50Ms} ms`);
  if (target.maxP99Ms !== undefined) parts.push(`p99 ≤ ${target.maxP99Ms} ms`);
  return parts.join('; ');
}

/**
 * @param {import('../scenarios.mjs').Scenario[]} scenarios  what ran, in order
 * @param {Map<string, { measurements?: Measurement[], error?: string }>} outcomes  by scenario name
 * @returns {Row[]}
 */
export function buildRows(scenarios, outcomes) {
  // Baseline throughput by name; a baseline that failed has none.
  const baselineOpsPerS = new Map();
  for (const s of scenarios) {
    if (s.kind !== 'baseline') continue;
    const m = outcomes.get(s.name)?.measurements?.find((x) => x.name === s.name);
    if (m) baselineOpsPerS.set(s.name, opsPerSecond(m));
  }

  const rows = [];
  for (const s of scenarios) {
    const outcome = outcomes.get(s.name);
    if (!outcome?.measurements) {
      rows.push(failedRow(s, outcome?.error ?? 'did not report'));
      continue;
    }
    for (const m of outcome.measurements) {
      const targets = s.targets?.[m.name] ?? [];
      const base = measuredRow(m);
      if (targets.length === 0) rows.push(base);
      for (const target of targets) rows.push(judge(base, target, baselineOpsPerS));
    }
  }
  return rows;
}

function measuredRow(m) {
  const row = {
    name: m.name,
    ops: m.ops,
    seconds: round(m.seconds, 2),
    ops_per_s: round(opsPerSecond(m), 1),
    p50_ms: round(m.p50_ms, 2),
    p99_ms: round(m.p99_ms, 2),
    baseline: null,
    baseline_ops_per_s: null,
    ratio: null,
    target: null,
    pass: null,
    unit: m.unit ?? 'ops',
  };
  if (m.details) row.details = m.details;
  return row;
}

function failedRow(scenario, error) {
  return {
    name: scenario.name,
    ops: null,
    seconds: null,
    ops_per_s: null,
    p50_ms: null,
    p99_ms: null,
    baseline: null,
    baseline_ops_per_s: null,
    ratio: null,
    target: null,
    pass: scenario.kind === 'baseline' ? null : false,
    unit: 'ops',
    error,
  };
}

function judge(base, target, baselineOpsPerS) {
  const row = { ...base, target: describeTarget(target, base.unit) };
  const checks = [];
  if (target.baseline !== undefined) {
    const reference = baselineOpsPerS.get(target.baseline);
    row.baseline = target.baseline;
    row.baseline_ops_per_s = round(reference ?? null, 1);
    if (reference && base.ops_per_s !== null) {
      const ratio = base.ops_per_s / reference;
      row.ratio = round(ratio, 2);
      checks.push(ratio >= target.minRatio);
    } else {
      checks.push(null); // the baseline failed: no verdict on the ratio
    }
  }
  if (target.minOpsPerS !== undefined)
    checks.push(base.ops_per_s !== null && base.ops_per_s >= target.minOpsPerS);
  if (target.maxP50Ms !== undefined) checks.push(base.p50_ms !== null && base.p50_ms <= target.maxP50Ms);
  if (target.maxP99Ms !== undefined) checks.push(base.p99_ms !== null && base.p99_ms <= target.maxP99Ms);
  row.pass = checks.includes(false) ? false : checks.includes(null) ? null : true;
  return row;
}

const COLUMNS = [
  ['scenario', (r) => r.name],
  ['ops', (r) => (r.ops === null ? '—' : `${r.ops}${r.unit === 'ops' ? '' : ` ${r.unit}`}`)],
  ['seconds', (r) => fixed(r.seconds, 1)],
  ['ops/s', (r) => fixed(r.ops_per_s, 0)],
  ['p50 ms', (r) => fixed(r.p50_ms, 2)],
  ['p99 ms', (r) => fixed(r.p99_ms, 2)],
  ['baseline', (r) => r.baseline ?? '—'],
  ['baseline ops/s', (r) => fixed(r.baseline_ops_per_s, 0)],
  ['ratio', (r) => fixed(r.ratio, 2)],
  ['target', (r) => r.target ?? '—'],
  ['pass', (r) => (r.error ? 'ERROR' : r.pass === null ? (r.target ? 'n/a' : '—') : r.pass ? 'yes' : 'NO')],
];

function fixed(value, digits) {
  return value === null || value === undefined ? '—' : value.toFixed(digits);
}

/** The table, then one line per row with details or an error. */
export function formatTable(rows) {
  const cells = rows.map((r) => COLUMNS.map(([, cell]) => cell(r)));
  const widths = COLUMNS.map(([title], i) => Math.max(title.length, ...cells.map((c) => c[i].length)));
  // Text columns left-aligned, numbers right-aligned.
  const left = new Set([0, 6, 9, 10]);
  const line = (values) =>
    values.map((v, i) => (left.has(i) ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  const out = [line(COLUMNS.map(([title]) => title)), widths.map((w) => '-'.repeat(w)).join('  ')];
  out.push(...cells.map(line));

  const notes = [];
  const seen = new Set();
  for (const r of rows) {
    if (seen.has(r.name)) continue;
    seen.add(r.name);
    if (r.error) notes.push(`${r.name}: ERROR ${r.error}`);
    else if (r.details) notes.push(`${r.name}: ${JSON.stringify(r.details)}`);
  }
  if (notes.length > 0) out.push('', ...notes);
  return out.join('\n');
}
