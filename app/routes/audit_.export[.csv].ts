import { auditExportLoader } from "../audit/export.server";

/** GET /audit/export.csv?<the /audit filter> (admins). */
export const loader = auditExportLoader("csv");
