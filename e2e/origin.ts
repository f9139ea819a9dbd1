/** Where the browser tests serve the production build (E2E_PORT and E2E_DATA_DIR let two runs share a machine). */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 3210);
export const APP_ORIGIN = `http://127.0.0.1:${E2E_PORT}`;
