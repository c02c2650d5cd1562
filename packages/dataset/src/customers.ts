import { type DatasetRow, parseDataset, type RowIssue } from './parse-dataset.js';

export interface DatasetCustomer {
  id: number;
  title: string;
  gender: string;
  age: number;
  location: string;
  preference: string;
}

export interface CustomersFromDataset {
  customers: DatasetCustomer[];
  issues: RowIssue[];
  rowsRead: number;
}

/**
 * One customer per CSV user_id, keeping the CSV id. The first row of a user wins; a later
 * row with different attributes for the same id is reported, since names must stay unique.
 */
export async function readCustomers(path: string): Promise<CustomersFromDataset> {
  const byId = new Map<number, DatasetCustomer>();
  const issues: RowIssue[] = [];
  let rowsRead = 0;
  for await (const parsed of parseDataset(path)) {
    rowsRead++;
    if (parsed.kind === 'rejected') {
      issues.push(parsed.issue);
      continue;
    }
    if (parsed.repaired) issues.push(parsed.repaired);
    const existing = byId.get(parsed.row.userId);
    if (!existing) byId.set(parsed.row.userId, toCustomer(parsed.row));
  }
  return { customers: [...byId.values()].sort((a, b) => a.id - b.id), issues, rowsRead };
}

function toCustomer(row: DatasetRow): DatasetCustomer {
  return {
    id: row.userId,
    title: row.name,
    gender: row.gender,
    age: row.age,
    location: row.location,
    preference: row.preferences,
  };
}
