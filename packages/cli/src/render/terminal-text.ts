/**
 * Text from data (CSV cells inside reject reasons, error messages quoting a value) is printed to a terminal, which
 * acts on control characters: ESC sequences can rewrite the screen, set the window title, or hide text; C1 controls
 * do the same on some terminals; bidi overrides reorder what is shown. Each such character is shown as a visible
 * escape (`\x1b`, `\u202e`) instead. `--json` output is for programs and stays as it was.
 */
// C0 controls but tab, DEL, C1 controls, and the bidi embedding/override/isolate characters.
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const escapeChar = (char: string): string => {
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/** `text` with every control or bidi-override character made visible; one line, whatever the input held. */
export const forTerminal = (text: string): string => text.replace(UNSAFE, escapeChar);
