/**
 * What Hearth needs to know of a language without an editor: its id from a file name (for the
 * CLI and benchmarks; the editor supplies its own ids) and how it writes a line comment.
 */

const BY_EXTENSION: Record<string, string> = {
  '.py': 'python', '.pyi': 'python', '.ts': 'typescript', '.tsx': 'typescriptreact', '.mts': 'typescript',
  '.cts': 'typescript', '.js': 'javascript', '.jsx': 'javascriptreact', '.mjs': 'javascript', '.cjs': 'javascript',
  '.json': 'json', '.md': 'markdown', '.c': 'c', '.h': 'c', '.cc': 'cpp', '.cpp': 'cpp', '.hpp': 'cpp',
  '.rs': 'rust', '.go': 'go', '.java': 'java', '.kt': 'kotlin', '.cs': 'csharp', '.rb': 'ruby', '.php': 'php',
  '.sh': 'shellscript', '.bash': 'shellscript', '.sql': 'sql', '.lua': 'lua', '.swift': 'swift',
  '.html': 'html', '.css': 'css', '.scss': 'scss', '.yaml': 'yaml', '.yml': 'yaml', '.toml': 'toml',
};

const HASH_COMMENT = new Set(['python', 'shellscript', 'ruby', 'yaml', 'toml', 'perl', 'r', 'makefile', 'dockerfile', 'powershell']);
const DASH_COMMENT = new Set(['sql', 'lua', 'haskell']);

/** VS Code's language id for a file path; `plaintext` when unknown. */
export function languageIdForPath(filePath: string): string {
  const dot = filePath.lastIndexOf('.');
  return (dot >= 0 && BY_EXTENSION[filePath.slice(dot).toLowerCase()]) || 'plaintext';
}

/** The line-comment marker of a language, or undefined where it has none worth using. */
export function lineCommentFor(languageId: string): string | undefined {
  if (HASH_COMMENT.has(languageId)) return '#';
  if (DASH_COMMENT.has(languageId)) return '--';
  if (['plaintext', 'markdown', 'json', 'html', 'css'].includes(languageId)) return undefined;
  return '//';
}
