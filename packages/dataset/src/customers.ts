import { type DatasetRow, parseDataset, type RowIssue } from './parse-dataset.js';

/**
 * One customer per CSV user_id, keeping the CSV id; the first row of a user wins. Stops (rejects
 * with the abort reason) between two rows once `signal` aborts.
 */
export async function readCustomers(path: string, signal?: AbortSignal) {
  const byId = new Map<number, DatasetRow['customer']>();
  const issues: RowIssue[] = [];
  let rowsRead = 0;
  for await (const parsed of parseDataset(path)) {
    signal?.throwIfAborted();
    rowsRead++;
    if (parsed.kind === 'rejected') {
      issues.push(parsed.issue);
      continue;
    }
    if (parsed.repaired) issues.push(parsed.repaired);
    const { customer } = parsed.row;
    if (!byId.has(customer.id)) byId.set(customer.id, customer);
  }
  return { customers: [...byId.values()].sort((a, b) => a.id - b.id), issues, rowsRead };
}
