export { createMcpServer, VERSION } from './server';
export { TOOLS, type ToolSpec } from './tools';
export { renderToolText } from './render';
