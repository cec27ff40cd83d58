/** UTF-16 code units of the ASCII characters the lexers compare against (`String.charCodeAt`). */
export const NEWLINE = 0x0a;
export const DOUBLE_QUOTE = 0x22;
export const HASH = 0x23;
export const SINGLE_QUOTE = 0x27;
export const STAR = 0x2a;
export const SLASH = 0x2f;
export const COLON = 0x3a;
export const BACKSLASH = 0x5c;
export const BACKTICK = 0x60;
