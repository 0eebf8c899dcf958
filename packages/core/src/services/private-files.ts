/**
 * Run folders hold rejected records (real data), logs and failure evidence (screenshots, page HTML of a logged-in
 * session): owner-only, whatever the umask (docs/security.md, "Secrets next to a run").
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
