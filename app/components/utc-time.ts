/** An ISO 8601 time as people read it, rendered the same on the server and in the browser: no locale, no time zone but UTC. */
export const utcTime = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
