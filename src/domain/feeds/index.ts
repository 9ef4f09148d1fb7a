// Public surface of the feed parsing layer; ingestion imports from here, not from the parts.
export { readReportFile, type ReadReportOptions } from './readReportFile.ts';
export { lineKey, lineContent, LineKeyer } from './lineKey.ts';
export type * from './types.ts';
