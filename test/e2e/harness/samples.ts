/**
 * The workspace every session opens: short Python and TypeScript files with unfinished spots that
 * the tests type at (found by anchor text, see Editor.placeCursorAfter). Written to disk before the
 * editor starts, because text typed into the editor is auto-indented and auto-closed.
 */
export const PYTHON_FILE = 'geometry.py';
export const TYPESCRIPT_FILE = 'inventory.ts';

export const SAMPLE_FILES: Record<string, string> = {
  [PYTHON_FILE]: `import math
from dataclasses import dataclass


@dataclass
class Point:
    x: float
    y: float


def distance(p: Point, q: Point) -> float:
    dx = p.x - q.x
    dy = p.y - q.y
    return math.sqrt(dx * dx


def midpoint(p: Point, q: Point) -> Point:
    return Point((p.x + q.x) / 2, (p.y + q.y) / 2)


def perimeter(points: list[Point]) -> float:
    total = 0.0


def add(a, b):
`,
  [TYPESCRIPT_FILE]: `export interface Item {
  name: string;
  price: number;
  quantity: number;
}

export function totalValue(items: Item[]): number {
  let total = 0;
}

export function expensive(items: Item[], limit: number): Item[] {
  return items.filter((item) => item.price
}

export function findByName(items: Item[], name: string): Item | undefined {
`,
  'notes.md': '# Notes\n\nHearth is not asked in Markdown (hearth.disabledLanguages).\n',
};

/** Where each test types, per language: the anchor the cursor goes after, and the keys pressed. */
export interface Spot {
  /** Text in the file; the cursor goes right after its first occurrence. */
  after: string;
  /** What is typed there (playwright key names for Enter). */
  keys: string[];
}

export const SPOTS: Record<'python' | 'typescript', Record<'newBodyLine' | 'blockOpener' | 'midExpression', Spot>> = {
  python: {
    newBodyLine: { after: '    total = 0.0', keys: ['Enter'] },
    blockOpener: { after: 'def add(a, b):', keys: ['Enter'] },
    midExpression: { after: 'return math.sqrt(dx * dx', keys: [' ', '+'] },
  },
  typescript: {
    newBodyLine: { after: '  let total = 0;', keys: ['Enter'] },
    blockOpener: { after: 'export function findByName(items: Item[], name: string): Item | undefined {', keys: ['Enter'] },
    midExpression: { after: 'items.filter((item) => item.price', keys: [' ', '>'] },
  },
};
