import { auditExportLoader } from "../audit/export.server";

/** GET /audit/export.ndjson?<the /audit filter> (admins): one JSON object per line. */
export const loader = auditExportLoader("ndjson");
