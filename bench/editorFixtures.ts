/**
 * What `hearth bench editor` types: a short Python and a short TypeScript module, each ending in a
 * function whose body is typed line by line (Enter, indentation fixed with Backspace where the
 * editor indents deeper than the line, then each character), as someone writing it would.
 * Written for the benchmark; not from any evaluation set.
 */
export interface EditorFixture {
  file: string;
  /** The file as it is on disk before typing (the typed lines absent). */
  text: string;
  /** The cursor starts at the end of this line's first occurrence. */
  after: string;
  /** Lines typed below it, with their indentation. */
  lines: string[];
}

export const EDITOR_FIXTURES: EditorFixture[] = [
  {
    file: 'orders.py',
    text: `import csv
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Order:
    customer: str
    amount: float
    paid: bool


def read_orders(path: Path) -> list[Order]:
    orders = []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            orders.append(Order(row["customer"], float(row["amount"]), row["paid"] == "yes"))
    return orders


def total_unpaid(orders: list[Order]) -> float:
`,
    after: 'def total_unpaid(orders: list[Order]) -> float:',
    lines: ['    total = 0.0', '    for order in orders:', '        if not order.paid:', '            total += order.amount', '    return total'],
  },
  {
    file: 'orders.ts',
    text: `export interface Order {
  customer: string;
  amount: number;
  paid: boolean;
}

export function parseOrders(text: string): Order[] {
  return text
    .split('\\n')
    .filter(Boolean)
    .map((line) => {
      const [customer, amount, paid] = line.split(',');
      return { customer: customer ?? '', amount: Number(amount), paid: paid === 'yes' };
    });
}

export function totalUnpaid(orders: Order[]): number {
}
`,
    after: 'export function totalUnpaid(orders: Order[]): number {',
    lines: ['  let total = 0;', '  for (const order of orders) {', '    if (!order.paid) {', '      total += order.amount;'],
  },
];
