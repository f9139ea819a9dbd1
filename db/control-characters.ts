// C0 controls other than tab, line feed and carriage return, and DEL: what
// Postgres text refuses (NUL) or a page would mangle.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

export const hasControlCharacter = (value: string) => value.search(CONTROL_CHARACTERS) !== -1;

export const withoutControlCharacters = (value: string) => value.replace(CONTROL_CHARACTERS, "");
