/** Renders the benchmark results as a console table and as bench/RESULTS.md. */
import { formatNumber, type Rate } from './harness.js';

export interface Column {
  readonly name: string;
}

/** One row: a label and one cell per column (absent = not measured / not supported). */
export interface Row {
  readonly label: string;
  /**
   * 'rate': operations/s, higher is better; 'ms': a rate shown as milliseconds
   * per operation (1000 / rate); 'value': a plain measurement in `unit`
   * (latency, memory), lower is better, and its ratio is a cost ratio.
   */
  readonly kind: 'rate' | 'ms' | 'value';
  readonly unit?: string;
  readonly cells: ReadonlyMap<string, Rate | string>;
}

export interface Ratio {
  readonly name: string;
  readonly numerator: string;
  readonly denominator: string;
}

export function cellText(row: Row, column: string): string {
  const cell = row.cells.get(column);
  if (cell === undefined) return '–';
  if (typeof cell === 'string') return cell;
  if (row.kind === 'ms') {
    return `${formatNumber(1000 / cell.median)} ms (${formatNumber(1000 / cell.max)}–${formatNumber(1000 / cell.min)})`;
  }
  const unit = row.kind === 'value' && row.unit !== undefined ? ` ${row.unit}` : '';
  return `${formatNumber(cell.median)}${unit} (${formatNumber(cell.min)}–${formatNumber(cell.max)})`;
}

/** Speed ratio numerator / denominator (> 1: the numerator is faster), from the medians. */
export function ratioText(row: Row, ratio: Ratio): string {
  const a = row.cells.get(ratio.numerator);
  const b = row.cells.get(ratio.denominator);
  if (a === undefined || b === undefined || typeof a === 'string' || typeof b === 'string') return '–';
  return `${(a.median / b.median).toFixed(2)}×`;
}

export function markdownTable(header: readonly string[], lines: readonly (readonly string[])[]): string {
  const out = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const line of lines) out.push(`| ${line.join(' | ')} |`);
  return out.join('\n');
}

export function resultsTable(rows: readonly Row[], columns: readonly string[], ratios: readonly Ratio[]): string {
  return markdownTable(
    ['workload', ...columns, ...ratios.map((r) => r.name)],
    rows.map((row) => [row.label, ...columns.map((c) => cellText(row, c)), ...ratios.map((r) => ratioText(row, r))]),
  );
}
