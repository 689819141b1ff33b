/**
 * What the commands need once one of them runs. Each action loads this module on first use, so
 * `oboe --version` and `oboe --help` start without msal-node, the generated client and the zod
 * schemas (most of a cold start: bench/startup.bench.ts measures it).
 */
export { CopilotApi, incompleteStream, streamErrorToCliError } from '../api/copilot-api.ts'
export { doctorExitCode, runDoctor } from '../doctor/run-doctor.ts'
export { explainError } from '../errors/explain-error.ts'
export { ChatTextRenderer, printTurnEnd } from '../output/chat-printer.ts'
export { printRetrieval } from '../output/retrieval-table.ts'
export { printSearch } from '../output/search-table.ts'
export { Terminal } from '../output/terminal.ts'
export { createContext } from './context.ts'
