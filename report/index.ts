// The report package: pure renderers of a drill result, its evidence, the history, and writing.
export * from './result.js';
export { canonicalJson, computeResultHash, sealResult, verifyResult, type Verification } from './evidence.js';
export { parseResultJson, drillResultSchema, type ParsedResult } from './schema.js';
export { renderMarkdown } from './markdown.js';
export { renderHtml } from './html.js';
export { renderTimelineSvg } from './timeline-svg.js';
export { renderTrendSvg, type TrendPoint } from './trend-svg.js';
export { compareRuns, describeComparison, type RunComparison } from './compare.js';
export { historyEntry, groupHistory, historyJson, type HistoryEntry, type DrillHistory } from './history.js';
export { renderHistoryHtml } from './history-html.js';
export { htmlPage, HTML_CSP } from './page-shell.js';
export { renderGameDayMarkdown } from './gameday-markdown.js';
export { GAMEDAY_SCHEMA_VERSION, type GameDayResult, type GameDayDrillSummary } from './gameday-result.js';
export { renderPdf, findChromium, type PdfOutcome } from './pdf.js';
export { scanResults, findResultFileByRunId, findRunKey, readStoredResult, runDir, runKey, safeSegment, storeOf, type ReportStore, type StoreRef } from './store.js';
export { storeKeyProblem, joinKey } from './store-key.js';
export { reportStoreFromEnv, storeFromLocation } from './store-config.js';
export { writeReports, writeHistoryIndex, findPreviousResult, parseFormats, REPORT_FORMATS, type ReportFormat, type WriteOptions, type WriteOutcome } from './write.js';
